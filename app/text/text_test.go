package text

import (
	"strings"
	"testing"

	"github.com/schoolsms/sms/app/errs"
	"github.com/stretchr/testify/assert"
)

func TestLine(t *testing.T) {
	cases := []struct {
		in, want, msg string
	}{
		{"  St Mary's  ", "St Mary's", ""},
		{"Zoë Nyambura-Ochieng", "Zoë Nyambura-Ochieng", ""},
		{"مدرسة الأمل", "مدرسة الأمل", ""},
		{"שלום\u200fעולם", "שלום\u200fעולם", ""}, // a plain direction mark is allowed
		{"", "", ""},
		{"Ann\x00e", "", "must not contain control characters (found U+0000)"},
		{"Ann\x1b[2Je", "", "must not contain control characters (found U+001B)"},
		{"Ann\ae", "", "must not contain control characters (found U+0007)"},
		{"Ann\x7fe", "", "must not contain control characters (found U+007F)"},
		{"Ann\u009be", "", "must not contain control characters (found U+009B)"},
		{"Ann\te", "", "must not contain control characters (found U+0009)"},
		{"Ann\ne", "", "must not contain line breaks: it is one line of text"},
		{"Ann\re", "", "must not contain line breaks: it is one line of text"},
		{"Ann\u2028e", "", "must not contain line breaks: it is one line of text"},
		{"\u202aAnne", "", "must not contain characters that change the text direction (found U+202A)"},
		{"Ann\u202ee", "", "must not contain characters that change the text direction (found U+202E)"},
		{"Ann\u2066e", "", "must not contain characters that change the text direction (found U+2066)"},
		{"Ann\u2069e", "", "must not contain characters that change the text direction (found U+2069)"},
		{"Ann\xffe", "", "must be valid UTF-8 text"},
		{strings.Repeat("é", 5), strings.Repeat("é", 5), ""},
		{strings.Repeat("é", 6), "", "must be at most 5 characters"},
	}
	for _, tc := range cases {
		got, msg := Line(tc.in, 5)
		if !strings.HasPrefix(tc.in, "é") {
			got, msg = Line(tc.in, 50)
		}
		assert.Equal(t, tc.msg, msg, "%q", tc.in)
		if tc.msg == "" {
			assert.Equal(t, tc.want, got, "%q", tc.in)
		}
	}
}

func TestMultiline(t *testing.T) {
	got, msg := Multiline("  Plot 4\r\nKisumu\rRoad\tWest\n\n", 100)
	assert.Empty(t, msg)
	assert.Equal(t, "Plot 4\nKisumu\nRoad\tWest", got)
	for _, bad := range []string{"a\x00b", "a\x1bb", "a\ab", "a\x7fb", "a\u0085b", "a\u202eb", "a\u2068b", "a\xffb"} {
		_, msg := Multiline(bad, 100)
		assert.NotEmpty(t, msg, "%q", bad)
	}
	_, msg = Multiline(strings.Repeat("x\r\n", 3), 5)
	assert.Empty(t, msg, "line breaks are normalised and the ends trimmed before counting")
	_, msg = Multiline(strings.Repeat("x\n", 3)+"x", 5)
	assert.Equal(t, "must be at most 5 characters", msg)
}

func TestPrintable(t *testing.T) {
	cases := map[string]string{
		"St Mary's":                  "St Mary's",
		"Zoë":                        "Zoë",
		"Evil\x1b[2J\x07School":      `Evil\x1b[2J\x07School`,
		"Nul\x00 and DEL\x7f":        `Nul\x00 and DEL\x7f`,
		"C1\u009b31m":                `C1\u009b31m`,
		"abc\u202edcba\u2066x\u2069": `abc\u202edcba\u2066x\u2069`,
		"two\nlines\ttab":            `two\x0alines\x09tab`,
		"bad\xffbyte":                `bad\xffbyte`,
	}
	for in, want := range cases {
		assert.Equal(t, want, Printable(in), "%q", in)
	}
}

func TestRequired(t *testing.T) {
	f := errs.Fields{}
	v, blank, bad := "  Form 2A ", " \t", "a\x1bb"
	Required(f, "name", &v, 10)
	Required(f, "code", &blank, 10)
	Required(f, "title", &bad, 10)
	assert.Equal(t, "Form 2A", v)
	assert.NotContains(t, f, "name")
	assert.Equal(t, "is required", f["code"])
	assert.Contains(t, f["title"], "control characters")
}
