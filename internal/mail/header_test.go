package mail

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"switchboard/internal/mail/mailtest"
	"testing"
)

// headerCase is one {header, expected} pair of stalwart's unit files.
type headerCase struct {
	Header   string          `json:"header"`
	Expected json.RawMessage `json:"expected"`
}

// loadHeaderCases reads stalwart/resources/NAME.json.
func loadHeaderCases(t *testing.T, name string) []headerCase {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(mailtest.Corpus(t), "stalwart/resources", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var cases []headerCase
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	return cases
}

// fieldValue cuts a raw test value at the end of its header field: the
// first line break not followed by white space.
func fieldValue(raw string) string {
	lines := strings.SplitAfter(raw, "\n")
	out := lines[0]
	for _, l := range lines[1:] {
		if l == "" || (l[0] != ' ' && l[0] != '\t') {
			break
		}
		out += l
	}
	return out
}

// score logs a pass rate and fails below the threshold (percent).
func score(t *testing.T, name string, pass, total int, threshold float64) {
	t.Helper()
	rate := 100 * float64(pass) / float64(max(total, 1))
	t.Logf("%-13s %3d/%3d = %5.1f%%", name, pass, total, rate)
	if rate < threshold {
		t.Errorf("%s: pass rate %.1f%% below threshold %.1f%%", name, rate, threshold)
	}
}

// headerThresholds are the pass rates reached; raise them as parsing improves.
var headerThresholds = map[string]float64{
	"address":      86,
	"content_type": 78,
	"date":         97,
	"id":           100,
	"unstructured": 90,
}

// TestStalwartHeaders scores the header parsers on stalwart's unit cases.
func TestStalwartHeaders(t *testing.T) {
	t.Run("address", func(t *testing.T) {
		cases := loadHeaderCases(t, "address")
		pass := 0
		for _, c := range cases {
			var want struct {
				List  []struct{ Name, Address *string }
				Group []struct {
					Addresses []struct{ Name, Address *string }
				}
			}
			json.Unmarshal(c.Expected, &want)
			var exp []Address
			add := func(n, a *string) {
				var x Address
				if n != nil {
					x.Name = *n
				}
				if a != nil {
					x.Address = *a
				}
				exp = append(exp, x)
			}
			for _, a := range want.List {
				add(a.Name, a.Address)
			}
			for _, g := range want.Group {
				for _, a := range g.Addresses {
					add(a.Name, a.Address)
				}
			}
			got := parseAddressList(fieldValue(c.Header))
			ok := len(got) == len(exp)
			for i := 0; ok && i < len(got); i++ {
				ok = norm(got[i].Name) == norm(exp[i].Name) && got[i].Address == exp[i].Address
			}
			if ok {
				pass++
			} else if testing.Verbose() {
				t.Logf("%q: got %+v want %+v", c.Header, got, exp)
			}
		}
		score(t, "address", pass, len(cases), headerThresholds["address"])
	})
	t.Run("content_type", func(t *testing.T) {
		cases := loadHeaderCases(t, "content_type")
		pass := 0
		for _, c := range cases {
			var want *struct {
				CType      string `json:"c_type"`
				CSubtype   string `json:"c_subtype"`
				Attributes []struct{ Name, Value string }
			}
			json.Unmarshal(c.Expected, &want)
			mt, params, _, err := parseMediaType(unfold(fieldValue(c.Header)))
			var ok bool
			if want == nil {
				ok = err != nil || mt == ""
			} else {
				ok = err == nil && mt == strings.ToLower(want.CType+"/"+want.CSubtype) && len(params) == len(want.Attributes)
				for _, a := range want.Attributes {
					if ok && decodeHeaderText(params[strings.ToLower(a.Name)]) != a.Value {
						ok = false
					}
				}
			}
			if ok {
				pass++
			} else if testing.Verbose() {
				t.Logf("%q: got %q %v want %s", c.Header, mt, params, c.Expected)
			}
		}
		score(t, "content_type", pass, len(cases), headerThresholds["content_type"])
	})
	t.Run("date", func(t *testing.T) {
		cases := loadHeaderCases(t, "date")
		pass := 0
		for _, c := range cases {
			var want *struct {
				Year, Month, Day, Hour, Minute, Second int
				TZBefore                               bool `json:"tz_before_gmt"`
				TZHour                                 int  `json:"tz_hour"`
				TZMinute                               int  `json:"tz_minute"`
			}
			json.Unmarshal(c.Expected, &want)
			got, ok := parseDate(fieldValue(c.Header))
			if want == nil {
				ok = !ok
			} else if ok {
				_, off := got.Zone()
				wantOff := (want.TZHour*60 + want.TZMinute) * 60
				if want.TZBefore {
					wantOff = -wantOff
				}
				ok = got.Year() == want.Year && int(got.Month()) == want.Month && got.Day() == want.Day &&
					got.Hour() == want.Hour && got.Minute() == want.Minute && got.Second() == want.Second && off == wantOff
			}
			if ok {
				pass++
			} else if testing.Verbose() {
				t.Logf("%q: got %v want %s", c.Header, got, c.Expected)
			}
		}
		score(t, "date", pass, len(cases), headerThresholds["date"])
	})
	t.Run("id", func(t *testing.T) {
		cases := loadHeaderCases(t, "id")
		pass := 0
		for _, c := range cases {
			var want []string
			json.Unmarshal(c.Expected, &want)
			got := parseIDs(fieldValue(c.Header))
			ok := len(got) == len(want)
			for i := 0; ok && i < len(got); i++ {
				ok = got[i] == want[i]
			}
			if ok {
				pass++
			} else if testing.Verbose() {
				t.Logf("%q: got %q want %q", c.Header, got, want)
			}
		}
		score(t, "id", pass, len(cases), headerThresholds["id"])
	})
	t.Run("unstructured", func(t *testing.T) {
		cases := loadHeaderCases(t, "unstructured")
		pass := 0
		for _, c := range cases {
			var want string
			json.Unmarshal(c.Expected, &want)
			got := decodeHeaderText(fieldValue(c.Header))
			if norm(got) == norm(want) {
				pass++
			} else if testing.Verbose() {
				t.Logf("%q: got %q want %q", c.Header, got, want)
			}
		}
		score(t, "unstructured", pass, len(cases), headerThresholds["unstructured"])
	})
}
