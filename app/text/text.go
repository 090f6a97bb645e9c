// Package text is the one check for text people type into names, codes and notes.
// Names end up on terminals (sms tenant list), in spreadsheets and on report cards, so
// they must not carry characters that rewrite a terminal (C0 and C1 controls such as
// NUL, ESC, BEL) or silently reorder what a reader sees (bidi embeddings, overrides and
// isolates). Services call Line or Multiline at each validation point; Printable makes
// older stored values safe to print.
package text

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/schoolsms/sms/app/errs"
)

// Line cleans a one-line value (a name, a title, a code): surrounding space is trimmed;
// control characters, line breaks and bidi controls are refused; at most max characters.
// It returns the cleaned value and "" or, when the value cannot be used, a message fit
// for the field ("must not contain ...").
func Line(s string, max int) (string, string) {
	s = strings.TrimSpace(s)
	if msg := check(s, false); msg != "" {
		return s, msg
	}
	return s, checkLen(s, max)
}

// Required cleans *v as Line does and adds to f what is wrong with it, or "is required"
// when it is empty: the check of every named thing a form must have (a class, a subject,
// an assessment).
func Required(f errs.Fields, field string, v *string, max int) {
	var msg string
	*v, msg = Line(*v, max)
	switch {
	case msg != "":
		f.Add(field, msg)
	case *v == "":
		f.Add(field, "is required")
	}
}

// Multiline cleans a value that may span lines (an address, notes, a message body): as
// Line, but newlines and tabs are kept, and CR LF or a lone CR become a newline.
func Multiline(s string, max int) (string, string) {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	s = strings.TrimSpace(s)
	if msg := check(s, true); msg != "" {
		return s, msg
	}
	return s, checkLen(s, max)
}

func checkLen(s string, max int) string {
	if max > 0 && utf8.RuneCountInString(s) > max {
		return fmt.Sprintf("must be at most %d characters", max)
	}
	return ""
}

func check(s string, multiline bool) string {
	if !utf8.ValidString(s) {
		return "must be valid UTF-8 text"
	}
	for _, r := range s {
		switch {
		case multiline && (r == '\n' || r == '\t'):
		case r == '\n' || r == '\r' || r == '\u2028' || r == '\u2029':
			return "must not contain line breaks: it is one line of text"
		case control(r):
			return fmt.Sprintf("must not contain control characters (found %U)", r)
		case bidi(r):
			return fmt.Sprintf("must not contain characters that change the text direction (found %U)", r)
		}
	}
	return ""
}

// control is a C0 or C1 control character, or DEL.
func control(r rune) bool { return r < 0x20 || r >= 0x7f && r <= 0x9f }

// bidi is an explicit embedding, override or isolate: U+202A-U+202E, U+2066-U+2069.
// (The plain marks U+200E/U+200F, which names in Arabic or Hebrew may need, are allowed.)
func bidi(r rune) bool { return r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069 }

// Printable returns s with everything Line refuses written as an escape (\x1b, \u202e),
// and invalid UTF-8 bytes as \xNN, so a value stored before these checks existed cannot
// drive a terminal.
func Printable(s string) string {
	if safe(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r < 0x80 && control(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		case control(r) || bidi(r) || r == '\u2028' || r == '\u2029':
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
		i += n
	}
	return b.String()
}

func safe(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if control(r) || bidi(r) || r == '\u2028' || r == '\u2029' {
			return false
		}
	}
	return true
}
