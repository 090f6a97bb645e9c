package attendance

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/core/school"
	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/app/query"
	"github.com/schoolsms/sms/app/text"
	"github.com/schoolsms/sms/db/tenantdb"
)

// workingDaysKey is the school setting holding the working weekdays ("1,2,3,4,5",
// time.Weekday numbers, Sunday 0).
const workingDaysKey = "working_days"

var weekdayNames = []string{"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"}

// Weekdays are the days of the week a school keeps registers on.
type Weekdays [7]bool

// DefaultWeekdays is Monday to Friday.
var DefaultWeekdays = Weekdays{time.Monday: true, time.Tuesday: true, time.Wednesday: true, time.Thursday: true, time.Friday: true}

// Names are the days' lower-case English names, Monday first.
func (w Weekdays) Names() []string {
	out := []string{}
	for i := 1; i <= 7; i++ {
		if d := time.Weekday(i % 7); w[d] {
			out = append(out, weekdayNames[d])
		}
	}
	return out
}

// String says the days for a person: "Monday to Friday", "Monday, Wednesday and Friday".
func (w Weekdays) String() string {
	names := w.Names()
	for i, n := range names {
		names[i] = strings.ToUpper(n[:1]) + n[1:]
	}
	// a run of three or more days from Monday is said as a range
	run := 0
	for i := 1; i <= 7 && w[time.Weekday(i%7)]; i++ {
		run++
	}
	switch {
	case len(names) == 0:
		return "no days"
	case run == len(names) && run >= 3:
		return names[0] + " to " + names[len(names)-1]
	case len(names) == 1:
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

func (w Weekdays) encode() string {
	var parts []string
	for d, on := range w {
		if on {
			parts = append(parts, strconv.Itoa(d))
		}
	}
	return strings.Join(parts, ",")
}

func decodeWeekdays(s string) Weekdays {
	var w Weekdays
	for _, p := range strings.Split(s, ",") {
		if d, err := strconv.Atoi(p); err == nil && d >= 0 && d < 7 {
			w[d] = true
		}
	}
	if w == (Weekdays{}) {
		return DefaultWeekdays
	}
	return w
}

// weekdaysIn reads the school's working weekdays through q.
func weekdaysIn(ctx context.Context, q *tenantdb.Queries) (Weekdays, error) {
	v, err := q.AttendanceGetSetting(ctx, workingDaysKey)
	if errors.Is(err, sql.ErrNoRows) {
		return DefaultWeekdays, nil
	}
	if err != nil {
		return Weekdays{}, errs.Wrap(err, "working days")
	}
	return decodeWeekdays(v), nil
}

// WorkingDays is the working-days setting as the API shows and takes it.
type WorkingDays struct {
	Days []string `json:"working_days"`
}

// WorkingDays returns the school's working weekdays.
func (s Service) WorkingDays(ctx context.Context) (WorkingDays, error) {
	w, err := weekdaysIn(ctx, s.T.Read())
	return WorkingDays{Days: w.Names()}, err
}

// parseWeekday reads a day name: the English name or its first three letters, any case.
func parseWeekday(s string) (time.Weekday, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	for d, n := range weekdayNames {
		if s == n || len(s) == 3 && strings.HasPrefix(n, s) {
			return time.Weekday(d), true
		}
	}
	return 0, false
}

// SetWorkingDays replaces the school's working weekdays (at least one).
func (s Service) SetWorkingDays(ctx context.Context, in WorkingDays, meta auth.Meta) (WorkingDays, error) {
	if in.Days == nil {
		return WorkingDays{}, errs.Field("working_days", `is required: a list of days such as ["monday","tuesday"]`)
	}
	var w Weekdays
	for i, d := range in.Days {
		wd, ok := parseWeekday(d)
		if !ok {
			return WorkingDays{}, errs.Field(fmt.Sprintf("working_days[%d]", i), fmt.Sprintf("%q is not a day of the week (monday ... sunday)", clip(d)))
		}
		w[wd] = true
	}
	if w == (Weekdays{}) {
		return WorkingDays{}, errs.Field("working_days", "must name at least one day")
	}
	err := s.T.Tx(ctx, func(q *tenantdb.Queries, _ *sql.Tx) error {
		before, err := weekdaysIn(ctx, q)
		if err != nil {
			return err
		}
		if err := q.AttendancePutSetting(ctx, tenantdb.AttendancePutSettingParams{Key: workingDaysKey, Value: w.encode()}); err != nil {
			return err
		}
		return audit(ctx, q, meta, "settings.working_days", "working days", map[string]any{"before": before.Names(), "after": w.Names()})
	})
	return WorkingDays{Days: w.Names()}, errs.Wrap(err, "set working days")
}

// calendar is what decides whether a date is a school day for a session: its terms, the
// working weekdays and the holidays.
type calendar struct {
	weekdays Weekdays
	session  string
	terms    []tenantdb.Term
	holidays []tenantdb.Holiday
}

// loadCalendar reads the calendar of a session for dates from first to last.
func loadCalendar(ctx context.Context, q *tenantdb.Queries, sessionID int64, sessionName, first, last string) (calendar, error) {
	c := calendar{session: sessionName}
	var err error
	if c.weekdays, err = weekdaysIn(ctx, q); err != nil {
		return c, err
	}
	if c.terms, err = q.AttendanceSessionTerms(ctx, sessionID); err != nil {
		return c, errs.Wrap(err, "terms")
	}
	c.holidays, err = q.AttendanceHolidaysBetween(ctx, tenantdb.AttendanceHolidaysBetweenParams{FirstDay: first, LastDay: last})
	return c, errs.Wrap(err, "holidays")
}

// term is the term of the session that d falls in, nil outside every term.
func (c calendar) term(d string) *tenantdb.Term {
	for i, t := range c.terms {
		if t.StartDate <= d && d <= t.EndDate {
			return &c.terms[i]
		}
	}
	return nil
}

// closed says why d (a valid date) is not a school day of the session, "" when it is one.
func (c calendar) closed(d string) string {
	if c.term(d) == nil {
		if len(c.terms) == 0 {
			return fmt.Sprintf("is outside every term: the session %s has no terms yet", c.session)
		}
		var spans []string
		for _, t := range c.terms {
			spans = append(spans, fmt.Sprintf("%s %s to %s", t.Name, t.StartDate, t.EndDate))
		}
		return fmt.Sprintf("is outside every term of the session %s (%s)", c.session, strings.Join(spans, "; "))
	}
	day, _ := time.Parse(school.DateLayout, d)
	if !c.weekdays[day.Weekday()] {
		return fmt.Sprintf("is a %s; the school's working days are %s", day.Weekday(), c.weekdays)
	}
	for _, h := range c.holidays {
		if h.StartDate <= d && d <= h.EndDate {
			if h.StartDate == h.EndDate {
				return fmt.Sprintf("is a holiday (%s)", h.Name)
			}
			return fmt.Sprintf("is in the holiday %s (%s to %s)", h.Name, h.StartDate, h.EndDate)
		}
	}
	return ""
}

// schoolDays are the school days from first to last (valid dates), in order.
func (c calendar) schoolDays(first, last string) []string {
	from, _ := time.Parse(school.DateLayout, first)
	to, _ := time.Parse(school.DateLayout, last)
	var out []string
	for d := from; !d.After(to); d = d.AddDate(0, 0, 1) {
		if s := d.Format(school.DateLayout); c.closed(s) == "" {
			out = append(out, s)
		}
	}
	return out
}

// markable checks that a register of the session can be kept on d: a school day, not
// after today. It returns the reason it cannot, or "".
func (c calendar) markable(d, today string) string {
	if why := c.closed(d); why != "" {
		return why
	}
	if d > today {
		return fmt.Sprintf("is after today (%s): a register is kept on the day or later", today)
	}
	return ""
}

// Holidays.

// Holiday is a break inside a term, first to last day included.
type Holiday struct {
	ID        int64  `json:"id"`
	TermID    int64  `json:"term"`
	TermName  string `json:"term_name"`
	SessionID int64  `json:"session"`
	Name      string `json:"name"`
	StartDate string `json:"start_date"`
	EndDate   string `json:"end_date"`
	CreatedAt string `json:"created_at"`
	UpdatedAt string `json:"updated_at"`
}

// HolidayInput creates a holiday: a name and its first and last days, inside its term.
// Term 0 means the term the first day falls in.
type HolidayInput struct {
	TermID    int64  `json:"term"`
	Name      string `json:"name"`
	StartDate string `json:"start_date"`
	EndDate   string `json:"end_date"`
}

// HolidayPatch changes a holiday; unset fields stay as they are.
type HolidayPatch struct {
	TermID    *int64  `json:"term"`
	Name      *string `json:"name"`
	StartDate *string `json:"start_date"`
	EndDate   *string `json:"end_date"`
}

// HolidayFilter narrows a list of holidays; zero values do not filter.
type HolidayFilter struct {
	TermID    int64
	SessionID int64
	Search    string
	Order     query.Order
}

var holidayView = query.View[Holiday]{
	Cols: "h.id, h.term_id, t.name, t.session_id, h.name, h.start_date, h.end_date, h.created_at, h.updated_at",
	From: "holidays h JOIN terms t ON t.id = h.term_id",
	ID:   "h.id",
	Scan: func(r query.Scanner) (Holiday, error) {
		var h Holiday
		err := r.Scan(&h.ID, &h.TermID, &h.TermName, &h.SessionID, &h.Name, &h.StartDate, &h.EndDate, &h.CreatedAt, &h.UpdatedAt)
		return h, err
	},
}

// HolidayOrdering is what a holiday list can be ordered by.
var HolidayOrdering = query.NewOrdering(map[string]string{"start_date": "h.start_date", "name": "h.name COLLATE NOCASE",
	"id": "h.id"}, "start_date")

// ListHolidays returns a page of holidays, earliest first.
func (s Service) ListHolidays(ctx context.Context, f HolidayFilter, p query.Page) ([]Holiday, int64, error) {
	var w query.Where
	if f.TermID != 0 {
		w.Add("h.term_id = ?", f.TermID)
	}
	if f.SessionID != 0 {
		w.Add("t.session_id = ?", f.SessionID)
	}
	w.Search(f.Search, "h.name")
	return holidayView.List(ctx, s.T, w, f.Order.Or(HolidayOrdering.Default()), p)
}

// Holiday returns one holiday.
func (s Service) Holiday(ctx context.Context, id int64) (Holiday, error) {
	h, err := holidayView.Get(ctx, s.T.ReadDB(), id)
	if errors.Is(err, sql.ErrNoRows) {
		return h, errs.E(errs.NotFound, "no holiday with id %d", id)
	}
	return h, errs.Wrap(err, "get holiday")
}

// maxHolidayName bounds a holiday's name, in characters.
const maxHolidayName = 100

// checkHoliday validates a holiday (id 0 for a new one) against its term and the other
// holidays, filling in the term when it is 0.
func checkHoliday(ctx context.Context, q *tenantdb.Queries, id int64, in *HolidayInput) error {
	f := errs.Fields{}
	var msg string
	in.Name, msg = text.Line(in.Name, maxHolidayName)
	switch {
	case msg != "":
		f.Add("name", msg)
	case in.Name == "":
		f.Add("name", "is required")
	}
	_, errStart := parseDate("start_date", in.StartDate)
	_, errEnd := parseDate("end_date", in.EndDate)
	for field, err := range map[string]error{"start_date": errStart, "end_date": errEnd} {
		if err != nil {
			f.Add(field, errs.As(err).Fields[field])
		}
	}
	datesOK := errStart == nil && errEnd == nil
	if datesOK && in.EndDate < in.StartDate {
		f.Add("end_date", fmt.Sprintf("must not be before start_date (%s)", in.StartDate))
		datesOK = false
	}
	if in.TermID < 0 {
		f.Add("term", "must be an id")
	}
	if len(f) > 0 {
		return f.Err()
	}
	var term tenantdb.Term
	var err error
	if in.TermID == 0 {
		term, err = termOn(ctx, q, in.StartDate)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.Field("term", fmt.Sprintf("is required: no term contains %s", in.StartDate))
		}
	} else {
		term, err = q.AttendanceGetTerm(ctx, in.TermID)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.Field("term", fmt.Sprintf("no term with id %d", in.TermID))
		}
	}
	if err != nil {
		return errs.Wrap(err, "term")
	}
	in.TermID = term.ID
	within := fmt.Sprintf("must be within the term %s (%s to %s)", term.Name, term.StartDate, term.EndDate)
	if in.StartDate < term.StartDate || in.StartDate > term.EndDate {
		f.Add("start_date", within)
	}
	if in.EndDate < term.StartDate || in.EndDate > term.EndDate {
		f.Add("end_date", within)
	}
	if len(f) > 0 {
		return f.Err()
	}
	clash, err := q.AttendanceOverlappingHolidays(ctx, tenantdb.AttendanceOverlappingHolidaysParams{ExceptID: id,
		FirstDay: in.StartDate, LastDay: in.EndDate})
	if err != nil {
		return errs.Wrap(err, "holidays")
	}
	if len(clash) > 0 {
		c := clash[0]
		msg := fmt.Sprintf("overlaps the holiday %s (%s to %s)", c.Name, c.StartDate, c.EndDate)
		f.Add("start_date", msg)
		f.Add("end_date", msg)
	}
	return f.Err()
}

// termOn is the term a date falls in, preferring the current session's.
func termOn(ctx context.Context, q *tenantdb.Queries, d string) (tenantdb.Term, error) {
	sessions, err := q.AttendanceSessionOn(ctx, d)
	if err != nil {
		return tenantdb.Term{}, err
	}
	for _, s := range sessions {
		terms, err := q.AttendanceTermsBetween(ctx, tenantdb.AttendanceTermsBetweenParams{SessionID: s.ID, FirstDay: d, LastDay: d})
		if err != nil {
			return tenantdb.Term{}, err
		}
		if len(terms) > 0 {
			return terms[0], nil
		}
	}
	return tenantdb.Term{}, sql.ErrNoRows
}

func holidayTarget(h Holiday) string { return fmt.Sprintf("holiday:%d %s", h.ID, h.Name) }

// CreateHoliday adds a holiday to a term.
func (s Service) CreateHoliday(ctx context.Context, in HolidayInput, meta auth.Meta) (Holiday, error) {
	var out Holiday
	err := s.T.Tx(ctx, func(q *tenantdb.Queries, tx *sql.Tx) error {
		if err := checkHoliday(ctx, q, 0, &in); err != nil {
			return err
		}
		row, err := q.AttendanceCreateHoliday(ctx, tenantdb.AttendanceCreateHolidayParams{TermID: in.TermID, Name: in.Name,
			StartDate: in.StartDate, EndDate: in.EndDate})
		if err != nil {
			return err
		}
		if out, err = holidayView.Get(ctx, tx, row.ID); err != nil {
			return err
		}
		return audit(ctx, q, meta, "holiday.create", holidayTarget(out), map[string]any{"id": out.ID, "after": out})
	})
	return out, errs.Wrap(err, "create holiday")
}

// UpdateHoliday changes a holiday.
func (s Service) UpdateHoliday(ctx context.Context, id int64, p HolidayPatch, meta auth.Meta) (Holiday, error) {
	var out Holiday
	err := s.T.Tx(ctx, func(q *tenantdb.Queries, tx *sql.Tx) error {
		before, err := holidayView.Get(ctx, tx, id)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.E(errs.NotFound, "no holiday with id %d", id)
		}
		if err != nil {
			return err
		}
		in := HolidayInput{TermID: before.TermID, Name: before.Name, StartDate: before.StartDate, EndDate: before.EndDate}
		if p.TermID != nil {
			in.TermID = *p.TermID
			if in.TermID == 0 {
				return errs.Field("term", "must be an id")
			}
		}
		if p.Name != nil {
			in.Name = *p.Name
		}
		if p.StartDate != nil {
			in.StartDate = *p.StartDate
		}
		if p.EndDate != nil {
			in.EndDate = *p.EndDate
		}
		if err := checkHoliday(ctx, q, id, &in); err != nil {
			return err
		}
		if _, err := q.AttendanceUpdateHoliday(ctx, tenantdb.AttendanceUpdateHolidayParams{TermID: in.TermID, Name: in.Name,
			StartDate: in.StartDate, EndDate: in.EndDate, ID: id}); err != nil {
			return err
		}
		if out, err = holidayView.Get(ctx, tx, id); err != nil {
			return err
		}
		return audit(ctx, q, meta, "holiday.update", holidayTarget(out), map[string]any{"id": id, "before": before, "after": out})
	})
	return out, errs.Wrap(err, "update holiday")
}

// DeleteHoliday removes a holiday.
func (s Service) DeleteHoliday(ctx context.Context, id int64, meta auth.Meta) error {
	err := s.T.Tx(ctx, func(q *tenantdb.Queries, tx *sql.Tx) error {
		before, err := holidayView.Get(ctx, tx, id)
		if errors.Is(err, sql.ErrNoRows) {
			return errs.E(errs.NotFound, "no holiday with id %d", id)
		}
		if err != nil {
			return err
		}
		if _, err := q.AttendanceDeleteHoliday(ctx, id); err != nil {
			return err
		}
		return audit(ctx, q, meta, "holiday.delete", holidayTarget(before), map[string]any{"id": id, "before": before})
	})
	return errs.Wrap(err, "delete holiday")
}

// SchoolDay says whether date is a school day for the classes of the session it falls
// in (the current session's, when sessions overlap): "" when it is, else why not. The
// page's date picker and the bot ask this.
func (s Service) SchoolDay(ctx context.Context, date string) (string, error) {
	if _, err := parseDate("date", date); err != nil {
		return "", err
	}
	q := s.T.Read()
	sessions, err := q.AttendanceSessionOn(ctx, date)
	if err != nil {
		return "", errs.Wrap(err, "session")
	}
	if len(sessions) == 0 {
		return "is outside every academic session", nil
	}
	cal, err := loadCalendar(ctx, q, sessions[0].ID, sessions[0].Name, date, date)
	if err != nil {
		return "", err
	}
	return cal.closed(date), nil
}
