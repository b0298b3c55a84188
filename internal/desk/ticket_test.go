package desk

import "testing"

func TestJoin(t *testing.T) {
	if got := Join(Priorities); got != "low, normal, high, urgent" {
		t.Errorf("Join(Priorities) = %q", got)
	}
	if got := Join([]Status{}); got != "" {
		t.Errorf("Join(empty) = %q", got)
	}
}
