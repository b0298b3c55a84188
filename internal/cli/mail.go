package cli

import (
	"context"

	"switchboard/internal/mail"
)

// runMailParse implements `switchboard mail parse [FILE]`: the DESIGN.md
// JSON of one message, read from FILE or stdin. It needs no database.
func runMailParse(_ context.Context, sio IO, args []string) error {
	if len(args) > 1 {
		return usagef("takes at most one FILE (or - for stdin)")
	}
	return mail.RunParse(sio.Stdin, sio.Stdout, args)
}
