package students

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"unicode/utf8"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/core/school"
	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/app/text"
	"github.com/schoolsms/sms/db/tenantdb"
)

// Admission numbers are generated from a pattern kept in school_settings under
// AdmissionPatternKey. Placeholders:
//
//	{year}    the current year, e.g. 2026
//	{yy}      its last two digits, e.g. 26
//	{seq}     the next number of the sequence
//	{seq:NN}  the same, zero-padded to at least NN digits (1 to 12)
//
// Each distinct expansion of the rest of the pattern (e.g. "ADM/2026/") has its own
// sequence in the counters table, so a {year} pattern starts again at 1 each year and a
// changed prefix starts a new sequence. Numbers already taken are skipped.
const (
	AdmissionPatternKey     = "admission_number_pattern"
	DefaultAdmissionPattern = "ADM/{year}/{seq:04}"
	maxAdmissionNoLen       = 50
)

var placeholderRE = regexp.MustCompile(`\{[^{}]*\}`)

// CheckAdmissionPattern validates a pattern, returning a message fit for the field, or "".
func CheckAdmissionPattern(p string) string {
	if strings.TrimSpace(p) != p || p == "" {
		return "must not be empty or start or end with spaces"
	}
	if utf8.RuneCountInString(p) > 40 {
		return "must be at most 40 characters"
	}
	if _, msg := text.Line(p, 40); msg != "" {
		return msg
	}
	seqs := 0
	for _, ph := range placeholderRE.FindAllString(p, -1) {
		switch inner := ph[1 : len(ph)-1]; {
		case inner == "year" || inner == "yy":
		case inner == "seq":
			seqs++
		case strings.HasPrefix(inner, "seq:"):
			w, err := strconv.Atoi(inner[4:])
			if err != nil || w < 1 || w > 12 || len(inner[4:]) > 2 {
				return fmt.Sprintf("%s: the width of {seq:NN} must be a number from 1 to 12", ph)
			}
			seqs++
		default:
			return fmt.Sprintf("%s is not a placeholder; use {year}, {yy}, {seq} or {seq:NN}", ph)
		}
	}
	if rest := placeholderRE.ReplaceAllString(p, ""); strings.ContainsAny(rest, "{}") {
		return "has an unmatched { or }"
	}
	if seqs != 1 {
		return "must contain the sequence number exactly once, as {seq} or {seq:NN} (e.g. ADM/{year}/{seq:04})"
	}
	return ""
}

// expandPattern fills a valid pattern for a year; with seq < 0 the sequence placeholder
// becomes "#" (the counter's key).
func expandPattern(p string, year, seq int) string {
	return placeholderRE.ReplaceAllStringFunc(p, func(ph string) string {
		switch inner := ph[1 : len(ph)-1]; {
		case inner == "year":
			return strconv.Itoa(year)
		case inner == "yy":
			return fmt.Sprintf("%02d", year%100)
		case seq < 0:
			return "#"
		case inner == "seq":
			return strconv.Itoa(seq)
		default:
			w, _ := strconv.Atoi(inner[4:])
			return fmt.Sprintf("%0*d", w, seq)
		}
	})
}

// AdmissionPattern returns the school's admission number pattern (the default when
// none was set).
func AdmissionPattern(ctx context.Context, q *tenantdb.Queries) (string, error) {
	p, err := q.StudentsGetSetting(ctx, AdmissionPatternKey)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && CheckAdmissionPattern(p) != "") {
		return DefaultAdmissionPattern, nil
	}
	return p, errs.Wrap(err, "admission pattern")
}

// NextAdmissionNo takes the next free admission number from the school's pattern and
// advances its counter. Run it in the transaction that inserts the student, so the
// number and the counter are written together.
func NextAdmissionNo(ctx context.Context, q *tenantdb.Queries) (string, error) {
	return nextAdmissionNo(ctx, q, true)
}

// PeekAdmissionNo is the number NextAdmissionNo would give now, without taking it.
func PeekAdmissionNo(ctx context.Context, q *tenantdb.Queries) (string, error) {
	return nextAdmissionNo(ctx, q, false)
}

func nextAdmissionNo(ctx context.Context, q *tenantdb.Queries, take bool) (string, error) {
	p, err := AdmissionPattern(ctx, q)
	if err != nil {
		return "", err
	}
	now, err := school.NowIn(ctx, q)
	if err != nil {
		return "", err
	}
	year := now.Year()
	key := "admission_no:" + expandPattern(p, year, -1)
	n, err := q.StudentsGetCounter(ctx, key)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return "", errs.Wrap(err, "admission counter")
	}
	for range 100000 {
		n++
		no := expandPattern(p, year, int(n))
		if utf8.RuneCountInString(no) > maxAdmissionNoLen {
			return "", errs.E(errs.Conflict, "the admission number pattern gives numbers longer than %d characters", maxAdmissionNoLen)
		}
		taken, err := q.StudentsAdmissionNoTaken(ctx, no)
		if err != nil {
			return "", errs.Wrap(err, "admission number taken")
		}
		if taken {
			continue
		}
		if take {
			if err := q.StudentsSetCounter(ctx, tenantdb.StudentsSetCounterParams{Name: key, Value: n}); err != nil {
				return "", errs.Wrap(err, "advance admission counter")
			}
		}
		return no, nil
	}
	return "", errs.E(errs.Conflict, "no free admission number found for the pattern %q; give the number yourself or change the pattern", p)
}

// AdmissionPatternInfo is the pattern setting as the API shows it.
type AdmissionPatternInfo struct {
	Pattern string `json:"pattern"`
	Default string `json:"default"`
	Next    string `json:"next"` // the number the next student without one would get
}

// AdmissionPattern returns the school's pattern and the next number it gives.
func (s Service) AdmissionPattern(ctx context.Context) (AdmissionPatternInfo, error) {
	q := s.T.Read()
	p, err := AdmissionPattern(ctx, q)
	if err != nil {
		return AdmissionPatternInfo{}, err
	}
	next, err := PeekAdmissionNo(ctx, q)
	if err != nil {
		return AdmissionPatternInfo{}, err
	}
	return AdmissionPatternInfo{Pattern: p, Default: DefaultAdmissionPattern, Next: next}, nil
}

// SetAdmissionPattern changes the school's pattern.
func (s Service) SetAdmissionPattern(ctx context.Context, pattern string, meta auth.Meta) (AdmissionPatternInfo, error) {
	if msg := CheckAdmissionPattern(pattern); msg != "" {
		return AdmissionPatternInfo{}, errs.Field("pattern", msg)
	}
	err := s.T.Tx(ctx, func(q *tenantdb.Queries, _ *sql.Tx) error {
		before, err := AdmissionPattern(ctx, q)
		if err != nil {
			return err
		}
		if err := q.StudentsPutSetting(ctx, tenantdb.StudentsPutSettingParams{Key: AdmissionPatternKey, Value: pattern}); err != nil {
			return errs.Wrap(err, "save pattern")
		}
		if _, err := PeekAdmissionNo(ctx, q); err != nil {
			return err
		}
		return audit(ctx, q, meta, "settings.update", AdmissionPatternKey, map[string]any{"before": before, "after": pattern})
	})
	if err != nil {
		return AdmissionPatternInfo{}, err
	}
	return s.AdmissionPattern(ctx)
}
