package mail

import "testing"

// TestUnflow checks RFC 3676 soft breaks, delsp, quotes and signatures.
func TestUnflow(t *testing.T) {
	cases := []struct {
		in    string
		delsp bool
		want  string
	}{
		{"This is a \nflowed line.\nHard break.", false, "This is a flowed line.\nHard break."},
		{"Japa\nnese", false, "Japa\nnese"},
		{"Japa \nnese", true, "Japanese"},
		{">quoted \n>text\nreply", false, "> quoted text\nreply"},
		{">one \n>>two", false, "> one \n>> two"},
		{"text \n-- \nsig", false, "text -- \nsig"},
		{" >stuffed", false, ">stuffed"},
		{"trailing soft ", false, "trailing soft "},
	}
	for _, c := range cases {
		if got := unflow(c.in, c.delsp); got != c.want {
			t.Errorf("unflow(%q, %v) = %q, want %q", c.in, c.delsp, got, c.want)
		}
	}
}
