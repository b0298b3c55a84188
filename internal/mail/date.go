package mail

import (
	"strconv"
	"strings"
	"time"
)

// months maps the first three letters of a month name to its number.
var months = map[string]time.Month{
	"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
	"jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}

// zones holds the RFC 5322 obsolete zone names, in minutes east of UTC.
var zones = map[string]int{
	"ut": 0, "utc": 0, "gmt": 0, "z": 0,
	"est": -300, "edt": -240, "cst": -360, "cdt": -300,
	"mst": -420, "mdt": -360, "pst": -480, "pdt": -420,
	"cet": 60, "cest": 120, "bst": 60, "met": 60, "mest": 120, "eet": 120, "eest": 180,
}

// parseDate parses an RFC 5322 date leniently: comments, missing weekday
// or seconds, two-digit years, numeric months, named and unknown zones,
// and the date at the end of a Received header.
func parseDate(v string) (time.Time, bool) {
	s, _ := stripComments(unfold(v))
	if i := strings.LastIndexByte(s, ';'); i >= 0 { // a Received header: the date ends it
		s = s[i+1:]
	}
	toks := strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '\t' || r == ',' || r == '\r' || r == '\n' })
	var nums []int
	var month time.Month
	h, mi, sec := -1, 0, 0
	offset, sawZone := 0, false
	for _, t := range toks {
		lt := strings.ToLower(t)
		switch {
		case h < 0 && strings.Contains(t, ":"):
			parts := strings.Split(t, ":")
			if len(parts) < 2 || len(parts) > 3 {
				return time.Time{}, false
			}
			var err error
			if h, err = strconv.Atoi(parts[0]); err != nil {
				return time.Time{}, false
			}
			if mi, err = strconv.Atoi(parts[1]); err != nil {
				return time.Time{}, false
			}
			if len(parts) == 3 {
				if sec, err = strconv.Atoi(parts[2]); err != nil {
					return time.Time{}, false
				}
			}
		case h >= 0: // after the time: the zone
			if sawZone {
				continue
			}
			sawZone = true
			if (t[0] == '+' || t[0] == '-') && len(t) >= 5 {
				n, err := strconv.Atoi(t[1:5])
				if err != nil {
					continue
				}
				offset = n/100*60 + n%100
				if t[0] == '-' {
					offset = -offset
				}
				continue
			}
			for name, off := range zones {
				if strings.HasPrefix(lt, name) && (len(lt) == len(name) || len(name) >= 3) {
					offset = off
					break
				}
			}
		case isDigits(t):
			n, _ := strconv.Atoi(t)
			nums = append(nums, n)
		default:
			if len(lt) >= 3 {
				if m, ok := months[lt[:3]]; ok && month == 0 {
					month = m
					continue
				}
			}
			if isWeekday(lt) {
				continue
			}
			return time.Time{}, false
		}
	}
	var day, year int
	switch {
	case month != 0 && len(nums) >= 2:
		day, year = nums[0], nums[1]
		if day > 31 && year <= 31 { // "2003 Jul 1" style
			day, year = year, day
		}
	case month == 0 && len(nums) >= 3:
		day, year = nums[0], nums[2]
		month = time.Month(nums[1])
	default:
		return time.Time{}, false
	}
	switch {
	case year < 50:
		year += 2000
	case year < 1000:
		year += 1900
	}
	if month < 1 || month > 12 || day < 1 || day > 31 || h < 0 || h > 23 || mi > 59 || sec > 60 || mi < 0 || sec < 0 {
		return time.Time{}, false
	}
	if sec == 60 {
		sec = 59
	}
	return time.Date(year, month, day, h, mi, sec, 0, time.FixedZone("", offset*60)), true
}

// isDigits reports whether t is a non-empty run of ASCII digits.
func isDigits(t string) bool {
	if t == "" || len(t) > 4 {
		return false
	}
	for i := 0; i < len(t); i++ {
		if t[i] < '0' || t[i] > '9' {
			return false
		}
	}
	return true
}

// isWeekday reports whether t names a day of the week.
func isWeekday(t string) bool {
	if len(t) < 3 {
		return false
	}
	switch t[:3] {
	case "mon", "tue", "wed", "thu", "fri", "sat", "sun":
		return true
	}
	return false
}
