package students

import (
	"errors"
	"fmt"
	"strings"
)

// callingPlan is how one country writes its phone numbers: its calling code, the trunk
// prefix dialled before national numbers ("0" in most countries, "1" in North America,
// none in some), and the length range of the national significant number.
type callingPlan struct {
	code     string
	trunk    string
	min, max int
}

// callingPlans covers the countries the appliance is most likely used in, and a few
// others; numbers of other countries are accepted in international form.
var callingPlans = map[string]callingPlan{
	// East Africa
	"KE": {"254", "0", 9, 9}, "UG": {"256", "0", 9, 9}, "TZ": {"255", "0", 9, 9},
	"RW": {"250", "0", 9, 9}, "BI": {"257", "", 8, 8}, "SS": {"211", "0", 9, 9},
	"ET": {"251", "0", 9, 9}, "SO": {"252", "0", 7, 9}, "SD": {"249", "0", 9, 9},
	"CD": {"243", "0", 9, 9}, "DJ": {"253", "", 8, 8},
	// West and Central Africa
	"NG": {"234", "0", 8, 10}, "GH": {"233", "0", 9, 9}, "CM": {"237", "", 9, 9},
	"SN": {"221", "", 9, 9}, "CI": {"225", "", 10, 10}, "LR": {"231", "0", 7, 9},
	"SL": {"232", "0", 8, 8}, "GM": {"220", "", 7, 7}, "BJ": {"229", "", 8, 10},
	"TG": {"228", "", 8, 8}, "BF": {"226", "", 8, 8}, "ML": {"223", "", 8, 8},
	"NE": {"227", "", 8, 8},
	// Southern Africa
	"ZA": {"27", "0", 9, 9}, "ZM": {"260", "0", 9, 9}, "ZW": {"263", "0", 8, 10},
	"MW": {"265", "0", 7, 9}, "MZ": {"258", "", 8, 9}, "BW": {"267", "", 7, 8},
	"NA": {"264", "0", 8, 9}, "LS": {"266", "", 8, 8}, "SZ": {"268", "", 8, 8},
	"AO": {"244", "", 9, 9}, "MG": {"261", "0", 9, 9}, "MU": {"230", "", 7, 8},
	// North Africa and the Middle East
	"EG": {"20", "0", 9, 10}, "MA": {"212", "0", 9, 9}, "DZ": {"213", "0", 8, 9},
	"TN": {"216", "", 8, 8}, "AE": {"971", "0", 8, 9}, "SA": {"966", "0", 8, 9},
	// Elsewhere
	"GB": {"44", "0", 9, 10}, "IE": {"353", "0", 7, 9}, "US": {"1", "1", 10, 10},
	"CA": {"1", "1", 10, 10}, "IN": {"91", "0", 10, 10}, "PK": {"92", "0", 9, 10},
	"BD": {"880", "0", 8, 10}, "AU": {"61", "0", 9, 9}, "NZ": {"64", "0", 8, 10},
	"FR": {"33", "0", 9, 9}, "DE": {"49", "0", 6, 13}, "NL": {"31", "0", 9, 9},
	"BE": {"32", "0", 8, 9}, "ES": {"34", "", 9, 9}, "PT": {"351", "", 9, 9},
	"CN": {"86", "0", 9, 11}, "PH": {"63", "0", 8, 10},
}

// planByCode finds the plan of an international number by its calling code (codes are
// prefix-free, so at most one matches); countries sharing a code share a plan here.
func planByCode(digits string) (callingPlan, bool) {
	for n := 1; n <= 3 && n < len(digits); n++ {
		for _, p := range callingPlans {
			if p.code == digits[:n] {
				return p, true
			}
		}
	}
	return callingPlan{}, false
}

// CallingCode returns the international calling code of an ISO 3166 alpha-2 country
// ("KE" -> "254"), and whether it is known.
func CallingCode(country string) (string, bool) {
	p, ok := callingPlans[strings.ToUpper(strings.TrimSpace(country))]
	return p.code, ok
}

// NormalizePhone turns a phone number as people write it into E.164 ("+254712345678").
// country is the school's ISO 3166 alpha-2 code (school_profile.country_code) and decides
// what national numbers ("0712 345 678") mean; numbers written with + or 00 are taken as
// international whatever the country. Spaces, dashes, dots, slashes and brackets are
// ignored. A blank number gives "" and no error. The error's message is fit to show
// next to the field.
func NormalizePhone(country, raw string) (string, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", nil
	}
	intl := false
	if strings.HasPrefix(s, "+") {
		intl, s = true, s[1:]
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')' || r == '/' || r == '\u00a0':
		default:
			return "", errors.New("is not a phone number: use digits, spaces or dashes, with + and the country code for foreign numbers (e.g. +254712345678)")
		}
	}
	digits := b.String()
	if !intl && strings.HasPrefix(digits, "00") {
		intl, digits = true, digits[2:]
	}
	if digits == "" {
		return "", errors.New("is not a phone number: it has no digits")
	}
	country = strings.ToUpper(strings.TrimSpace(country))
	if !intl {
		p, ok := callingPlans[country]
		switch {
		case country == "":
			return "", errors.New("must be written in international form, + and the country code (e.g. +254712345678), because the school has no country set")
		case !ok:
			return "", fmt.Errorf("must be written in international form, + and the country code (e.g. +254712345678): national numbers of %s are not known here", country)
		}
		national := digits
		if p.trunk != "" && strings.HasPrefix(national, p.trunk) {
			national = national[len(p.trunk):]
		} else if strings.HasPrefix(national, p.code) && len(national)-len(p.code) >= p.min && len(national)-len(p.code) <= p.max {
			// the country code written without + or 00 ("254712345678")
			national = national[len(p.code):]
		}
		if msg := checkNational(p, national); msg != "" {
			return "", errors.New(msg)
		}
		return "+" + p.code + national, nil
	}
	if digits[0] == '0' {
		return "", errors.New("is not a valid international number: a country code never starts with 0")
	}
	if p, ok := planByCode(digits); ok {
		national := digits[len(p.code):]
		// "+44 (0)20 ..." and "+254 0712 ...": a trunk 0 written after the country code
		if p.trunk == "0" && strings.HasPrefix(national, "0") && len(national)-1 >= p.min && len(national)-1 <= p.max {
			national = national[1:]
		}
		if msg := checkNational(p, national); msg != "" {
			return "", errors.New(msg)
		}
		return "+" + p.code + national, nil
	}
	if len(digits) < 8 || len(digits) > 15 {
		return "", fmt.Errorf("is not a valid international number: it has %d digits, an international number has 8 to 15", len(digits))
	}
	return "+" + digits, nil
}

func checkNational(p callingPlan, national string) string {
	n := len(national)
	want := fmt.Sprintf("%d", p.min)
	if p.max != p.min {
		want = fmt.Sprintf("%d to %d", p.min, p.max)
	}
	switch {
	case n < p.min:
		return fmt.Sprintf("is too short: a number of +%s has %s digits after the country code, this one has %d", p.code, want, n)
	case n > p.max:
		return fmt.Sprintf("is too long: a number of +%s has %s digits after the country code, this one has %d", p.code, want, n)
	case national[0] == '0':
		return fmt.Sprintf("is not a valid number of +%s: the digits after the country code cannot start with 0", p.code)
	}
	return ""
}
