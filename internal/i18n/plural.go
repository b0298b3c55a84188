package i18n

import (
	"strconv"
	"strings"
)

// Form is a CLDR plural category.
type Form string

// CLDR plural categories.
const (
	Zero  Form = "zero"
	One   Form = "one"
	Two   Form = "two"
	Few   Form = "few"
	Many  Form = "many"
	Other Form = "other"
)

// Operands are the CLDR plural operands of a number: n absolute value, i
// integer digits, v number of visible fraction digits, f visible fraction
// digits as an integer.
type Operands struct {
	N float64
	I int64
	V int
	F int64
}

// IntOperands returns the operands of an integer.
func IntOperands(n int64) Operands {
	if n < 0 {
		n = -n
	}
	return Operands{N: float64(n), I: n}
}

// ParseOperands returns the operands of a decimal number written as text
// ("1", "1.50", "-2.3"); the visible fraction digits matter ("1.0" is not
// "1" in CLDR).
func ParseOperands(s string) (Operands, error) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "-")
	intPart, frac, _ := strings.Cut(s, ".")
	i, err := strconv.ParseInt(intPart, 10, 64)
	if err != nil {
		return Operands{}, err
	}
	op := Operands{I: i, V: len(frac)}
	if frac != "" {
		if op.F, err = strconv.ParseInt(frac, 10, 64); err != nil {
			return Operands{}, err
		}
	}
	if op.N, err = strconv.ParseFloat(s, 64); err != nil {
		return Operands{}, err
	}
	return op, nil
}

// PluralRule picks the plural form for a number's operands.
type PluralRule func(Operands) Form

// PluralRules holds the CLDR cardinal rules of the shipped languages.
var PluralRules = map[string]PluralRule{
	"en": pluralEN,
	"el": pluralEL,
	"hr": pluralHR,
	"lt": pluralLT,
	"sl": pluralSL,
}

func in(x, lo, hi int64) bool { return x >= lo && x <= hi }

// en: one → i = 1 and v = 0.
func pluralEN(o Operands) Form {
	if o.I == 1 && o.V == 0 {
		return One
	}
	return Other
}

// el: one → n = 1.
func pluralEL(o Operands) Form {
	if o.N == 1 {
		return One
	}
	return Other
}

// hr (and bs, sr): one → v = 0 and i%10 = 1 and i%100 != 11 or f%10 = 1 and
// f%100 != 11; few → v = 0 and i%10 = 2..4 and i%100 != 12..14 or f%10 =
// 2..4 and f%100 != 12..14.
func pluralHR(o Operands) Form {
	i10, i100, f10, f100 := o.I%10, o.I%100, o.F%10, o.F%100
	switch {
	case o.V == 0 && i10 == 1 && i100 != 11, f10 == 1 && f100 != 11:
		return One
	case o.V == 0 && in(i10, 2, 4) && !in(i100, 12, 14), in(f10, 2, 4) && !in(f100, 12, 14):
		return Few
	}
	return Other
}

// lt: one → n%10 = 1 and n%100 != 11..19; few → n%10 = 2..9 and n%100 !=
// 11..19; many → f != 0.
func pluralLT(o Operands) Form {
	if o.F != 0 {
		return Many
	}
	// f == 0 here, so n is a whole number equal to i.
	n10, n100 := o.I%10, o.I%100
	switch {
	case n10 == 1 && !in(n100, 11, 19):
		return One
	case in(n10, 2, 9) && !in(n100, 11, 19):
		return Few
	}
	return Other
}

// sl: one → v = 0 and i%100 = 1; two → v = 0 and i%100 = 2; few → v = 0 and
// i%100 = 3..4 or v != 0.
func pluralSL(o Operands) Form {
	i100 := o.I % 100
	switch {
	case o.V == 0 && i100 == 1:
		return One
	case o.V == 0 && i100 == 2:
		return Two
	case o.V == 0 && in(i100, 3, 4), o.V != 0:
		return Few
	}
	return Other
}
