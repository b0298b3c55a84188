package i18n

import "testing"

func TestPluralRules(t *testing.T) {
	tests := []struct {
		lang string
		num  string
		want Form
	}{
		{"en", "0", Other}, {"en", "1", One}, {"en", "2", Other}, {"en", "1.0", Other}, {"en", "11", Other}, {"en", "101", Other},

		{"el", "0", Other}, {"el", "1", One}, {"el", "1.0", One}, {"el", "2", Other}, {"el", "21", Other},

		{"hr", "1", One}, {"hr", "21", One}, {"hr", "101", One}, {"hr", "11", Other}, {"hr", "111", Other},
		{"hr", "2", Few}, {"hr", "3", Few}, {"hr", "4", Few}, {"hr", "22", Few}, {"hr", "104", Few},
		{"hr", "12", Other}, {"hr", "13", Other}, {"hr", "14", Other}, {"hr", "5", Other}, {"hr", "0", Other}, {"hr", "20", Other},
		{"hr", "0.1", One}, {"hr", "1.1", One}, {"hr", "0.2", Few}, {"hr", "2.3", Few}, {"hr", "0.5", Other}, {"hr", "1.0", Other}, {"hr", "0.11", Other},

		{"lt", "1", One}, {"lt", "21", One}, {"lt", "31", One}, {"lt", "11", Other}, {"lt", "111", Other},
		{"lt", "2", Few}, {"lt", "9", Few}, {"lt", "22", Few}, {"lt", "29", Few}, {"lt", "12", Other}, {"lt", "19", Other},
		{"lt", "0", Other}, {"lt", "10", Other}, {"lt", "20", Other}, {"lt", "30", Other},
		{"lt", "0.1", Many}, {"lt", "1.5", Many}, {"lt", "1.0", One}, {"lt", "2.0", Few},

		{"sl", "1", One}, {"sl", "101", One}, {"sl", "201", One}, {"sl", "2", Two}, {"sl", "102", Two},
		{"sl", "3", Few}, {"sl", "4", Few}, {"sl", "103", Few}, {"sl", "0.5", Few}, {"sl", "1.0", Few},
		{"sl", "0", Other}, {"sl", "5", Other}, {"sl", "11", Other}, {"sl", "12", Other}, {"sl", "100", Other},
	}
	for _, tc := range tests {
		op, err := ParseOperands(tc.num)
		if err != nil {
			t.Fatalf("ParseOperands(%q): %v", tc.num, err)
		}
		if got := PluralRules[tc.lang](op); got != tc.want {
			t.Errorf("%s(%s) = %s, want %s", tc.lang, tc.num, got, tc.want)
		}
	}
}

func TestIntOperandsMatchParsed(t *testing.T) {
	for lang, rule := range PluralRules {
		for n := int64(0); n < 250; n++ {
			p, _ := ParseOperands(itoa(n))
			if a, b := rule(IntOperands(n)), rule(p); a != b {
				t.Errorf("%s %d: int %s, parsed %s", lang, n, a, b)
			}
		}
	}
}

func itoa(n int64) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

func TestParseOperands(t *testing.T) {
	op, err := ParseOperands("-12.050")
	if err != nil {
		t.Fatal(err)
	}
	if op.I != 12 || op.V != 3 || op.F != 50 || op.N != 12.05 {
		t.Errorf("got %+v", op)
	}
	if _, err := ParseOperands("x"); err == nil {
		t.Error("want error for x")
	}
}
