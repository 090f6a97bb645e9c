// Package phone reads phone numbers as people write them into E.164, the form the
// appliance stores and the chatbot identifies guardians by. Lengths, ranges and trunk
// prefixes of every country come from libphonenumber's metadata (a maintained Go port),
// not from rules written here.
package phone

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/nyaruka/phonenumbers"
)

// Country normalises an ISO 3166 alpha-2 code ("ke" -> "KE") and reports whether
// national numbers of that country can be read.
func Country(code string) (string, bool) {
	code = strings.ToUpper(strings.TrimSpace(code))
	return code, len(code) == 2 && phonenumbers.GetSupportedRegions()[code]
}

// CallingCode returns the international calling code of a country ("KE" -> "254").
func CallingCode(country string) (string, bool) {
	code, ok := Country(country)
	if !ok {
		return "", false
	}
	return strconv.Itoa(phonenumbers.GetCountryCodeForRegion(code)), true
}

var errChars = errors.New("is not a phone number: use digits, spaces or dashes, with + and the country code for foreign numbers (e.g. +254712345678)")

// read keeps recent answers: libphonenumber's parse is regular-expression work, and an
// import reads each row's number more than once (to plan, then to write).
var read = struct {
	sync.Mutex
	m map[[2]string]result
}{m: map[[2]string]result{}}

type result struct {
	e164 string
	err  error
}

// readCap bounds the kept answers; the map starts again when it is full.
const readCap = 8192

// Normalize turns a phone number as people write it into E.164 ("+254712345678").
// country is the school's ISO 3166 alpha-2 code and decides what national numbers
// ("0712 345 678") mean; numbers written with + or 00 are international whatever the
// country. Spaces, dashes, dots, slashes and brackets are ignored. A blank number gives
// "" and no error. The error's message is fit to show next to the field.
func Normalize(country, raw string) (string, error) {
	key := [2]string{country, raw}
	read.Lock()
	r, ok := read.m[key]
	read.Unlock()
	if ok {
		return r.e164, r.err
	}
	e164, err := normalize(country, raw)
	read.Lock()
	if len(read.m) >= readCap {
		read.m = map[[2]string]result{}
	}
	read.m[key] = result{e164, err}
	read.Unlock()
	return e164, err
}

// Separator reports whether r is one of the characters people write between a phone
// number's digits (spaces, dashes, dots, brackets, slashes).
func Separator(r rune) bool {
	return r == ' ' || r == '-' || r == '.' || r == '(' || r == ')' || r == '/' || r == '\u00a0'
}

func normalize(country, raw string) (string, error) {
	s := strings.TrimSpace(raw)
	if s == "" {
		return "", nil
	}
	intl := strings.HasPrefix(s, "+")
	var b strings.Builder
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && i == 0:
		case Separator(r):
		default:
			return "", errChars
		}
	}
	digits := b.String()
	// 00 is the international prefix people write everywhere, whatever their country's.
	if !intl && strings.HasPrefix(digits, "00") {
		intl, digits = true, digits[2:]
	}
	if digits == "" {
		return "", errors.New("is not a phone number: it has no digits")
	}
	region := ""
	if intl {
		if digits[0] == '0' {
			return "", errors.New("is not a valid international number: a country code never starts with 0")
		}
		digits = "+" + digits
	} else {
		code, ok := Country(country)
		switch {
		case code == "":
			return "", errors.New("must be written in international form, + and the country code (e.g. +254712345678), because the school has no country set")
		case !ok:
			return "", fmt.Errorf("must be written in international form, + and the country code (e.g. +254712345678): national numbers of %s are not known here", code)
		}
		region = code
	}
	n, err := phonenumbers.Parse(digits, region)
	if err != nil {
		if intl && errors.Is(err, phonenumbers.ErrInvalidCountryCode) {
			return "", errors.New("is not a valid international number: it starts with no known country code")
		}
		return "", errors.New("is not a phone number we can read: write it as on a phone, e.g. 0712 345 678 or +254 712 345 678")
	}
	if phonenumbers.IsValidNumber(n) {
		return phonenumbers.Format(n, phonenumbers.E164), nil
	}
	cc := int(n.GetCountryCode())
	region = phonenumbers.GetRegionCodeForCountryCode(cc) // the code's main country: GB for +44, US for +1
	if region == "" || region == "ZZ" {
		return "", errors.New("is not a valid international number: it starts with no known country code")
	}
	where := fmt.Sprintf("%s (+%d)", region, cc)
	// The mobile number of the country is what guardians write most: say its length when
	// this one is shorter or longer, and otherwise that no number starts like this.
	if ex := phonenumbers.GetExampleNumberForType(region, phonenumbers.MOBILE); ex != nil {
		want, have := len(phonenumbers.GetNationalSignificantNumber(ex)), len(phonenumbers.GetNationalSignificantNumber(n))
		example := phonenumbers.Format(ex, phonenumbers.INTERNATIONAL)
		switch {
		case have < want:
			return "", fmt.Errorf("is too short: a mobile number of %s has %d digits after the country code (e.g. %s), this one has %d", where, want, example, have)
		case have > want && !phonenumbers.IsPossibleNumber(n):
			return "", fmt.Errorf("is too long: a mobile number of %s has %d digits after the country code (e.g. %s), this one has %d", where, want, example, have)
		case have > want:
			return "", fmt.Errorf("is too long or not a number of %s: a mobile number there has %d digits after the country code (e.g. %s)", where, want, example)
		}
	}
	return "", fmt.Errorf("is not a valid number of %s: no phone number there starts like this", where)
}
