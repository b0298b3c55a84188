package mail

import (
	"encoding/json"
	"errors"
	"io"
	"os"
)

// RunParse implements `switchboard mail parse [FILE]`: it parses the
// message in FILE, or on stdin without one, and writes its JSON (the
// DESIGN.md contract) to stdout followed by a newline.
func RunParse(stdin io.Reader, stdout io.Writer, args []string) error {
	in := stdin
	switch len(args) {
	case 0:
	case 1:
		if args[0] != "-" {
			f, err := os.Open(args[0])
			if err != nil {
				return err
			}
			defer f.Close()
			in = f
		}
	default:
		return errors.New("usage: switchboard mail parse [FILE]")
	}
	m, err := Parse(in, Options{Classify: Analyze})
	if err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	enc.SetEscapeHTML(false)
	return enc.Encode(m)
}
