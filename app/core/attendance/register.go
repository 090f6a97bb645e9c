package attendance

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/app/outbox"
	"github.com/schoolsms/sms/app/text"
	"github.com/schoolsms/sms/db/tenantdb"
)

// Register is a class's register for one date: every student enrolled in the class that
// day, with their mark (status null when unmarked).
type Register struct {
	Class ClassRef `json:"class"`
	Date  string   `json:"date"`
	Term  *TermRef `json:"term"` // the term the date falls in; null outside every term
	// Open says whether the register can be saved (a school day, not after today);
	// ClosedReason says why not.
	Open         bool    `json:"open"`
	ClosedReason string  `json:"closed_reason,omitempty"`
	Counts       Counts  `json:"counts"`
	Entries      []Entry `json:"entries"`
}

// Counts are the marks of a register, a day or a student.
type Counts struct {
	Present  int64 `json:"present"`
	Absent   int64 `json:"absent"`
	Late     int64 `json:"late"`
	Excused  int64 `json:"excused"`
	Unmarked int64 `json:"unmarked"`
}

func (c *Counts) add(status string) {
	switch status {
	case Present:
		c.Present++
	case Absent:
		c.Absent++
	case Late:
		c.Late++
	case Excused:
		c.Excused++
	default:
		c.Unmarked++
	}
}

// Marked is the number of marks counted.
func (c Counts) Marked() int64 { return c.Present + c.Absent + c.Late + c.Excused }

// Entry is one student's line of a register.
type Entry struct {
	Student      int64   `json:"student"`
	AdmissionNo  string  `json:"admission_no"`
	Name         string  `json:"name"`
	Status       *string `json:"status"`
	Note         string  `json:"note"`
	MarkedBy     *int64  `json:"marked_by"`
	MarkedByName *string `json:"marked_by_name"`
	MarkedAt     *string `json:"marked_at"`
}

// RegisterInput is a whole register: one entry for every student in the class that day.
type RegisterInput struct {
	Entries []EntryInput `json:"entries"`
}

// EntryInput marks one student; the note is optional.
type EntryInput struct {
	Student int64  `json:"student"`
	Status  string `json:"status"`
	Note    string `json:"note"`
}

// Limits of a register save.
const (
	// MaxEntries bounds a register; a class is far smaller (classes hold at most
	// academics.MaxCapacity students, and real ones a few dozen).
	MaxEntries = 1000
	// MaxNote bounds a mark's note, in characters.
	MaxNote = 500
)

// row is a register line as read, with the class its mark was taken in.
type row struct {
	Entry
	markClass int64
}

// readRegister reads the students in a class on a date with their marks that day.
func readRegister(ctx context.Context, q *tenantdb.Queries, classID int64, date string) ([]row, error) {
	rs, err := q.AttendanceRegisterRows(ctx, tenantdb.AttendanceRegisterRowsParams{Date: date, ClassID: classID})
	if err != nil {
		return nil, errs.Wrap(err, "read register")
	}
	out := make([]row, len(rs))
	for i, x := range rs {
		r := &out[i]
		r.Student, r.AdmissionNo, r.Name = x.ID, x.AdmissionNo, fullName(x.FirstName, x.MiddleName, x.LastName)
		if x.Status.Valid {
			r.Status, r.Note, r.markClass = &x.Status.String, x.Note.String, x.MarkClassID.Int64
			r.MarkedAt = &x.MarkedAt.String
			if x.MarkedBy.Valid {
				r.MarkedBy = &x.MarkedBy.Int64
			}
			if x.MarkedByName.Valid {
				r.MarkedByName = &x.MarkedByName.String
				if x.MarkedByName.String == "" {
					r.MarkedByName = &x.MarkedByEmail.String
				}
			}
		}
	}
	return out, nil
}

// registerOf builds the answer from the rows read.
func registerOf(c tenantdb.AttendanceClassRow, date string, cal calendar, todayDate string, rows []row) Register {
	reg := Register{Class: classRef(c), Date: date, Entries: make([]Entry, len(rows))}
	if t := cal.term(date); t != nil {
		ref := termRef(*t)
		reg.Term = &ref
	}
	reg.ClosedReason = cal.markable(date, todayDate)
	reg.Open = reg.ClosedReason == ""
	for i, r := range rows {
		reg.Entries[i] = r.Entry
		if r.Status != nil {
			reg.Counts.add(*r.Status)
		} else {
			reg.Counts.add("")
		}
	}
	return reg
}

// Register returns a class's register for a date. A teacher reaches only the classes
// they teach or lead (403 otherwise).
func (s Service) Register(ctx context.Context, v Viewer, classID int64, date string) (Register, error) {
	if _, err := parseDate("date", date); err != nil {
		return Register{}, err
	}
	var reg Register
	err := s.T.ReadTx(ctx, func(q *tenantdb.Queries, d tenantdb.DBTX) error {
		c, err := class(ctx, q, classID)
		if err != nil {
			return err
		}
		if err := reach(ctx, q, v, c); err != nil {
			return err
		}
		todayDate, err := today(ctx, q)
		if err != nil {
			return err
		}
		cal, err := loadCalendar(ctx, q, c.SessionID, c.SessionName, date, date)
		if err != nil {
			return err
		}
		rows, err := readRegister(ctx, q, classID, date)
		if err != nil {
			return err
		}
		reg = registerOf(c, date, cal, todayDate, rows)
		return nil
	})
	return reg, err
}

// check validates a register's shape before anything is read: each entry names a
// student once, with a known status and a note that is plain text.
func (in *RegisterInput) check() error {
	if in.Entries == nil {
		return errs.Field("entries", `is required: one {"student": id, "status": "present"} for every student in the class`)
	}
	if len(in.Entries) > MaxEntries {
		return errs.Field("entries", fmt.Sprintf("has %d entries; a register has at most %d", len(in.Entries), MaxEntries))
	}
	f := errs.Fields{}
	seen := make(map[int64]int, len(in.Entries))
	for i := range in.Entries {
		e := &in.Entries[i]
		at := func(field string) string { return fmt.Sprintf("entries[%d].%s", i, field) }
		switch prev, dup := seen[e.Student]; {
		case e.Student < 1:
			f.Add(at("student"), "is required: a student id")
		case dup:
			f.Add(at("student"), fmt.Sprintf("student %d is in the register twice (also entries[%d])", e.Student, prev))
		default:
			seen[e.Student] = i
		}
		e.Status = strings.ToLower(strings.TrimSpace(e.Status))
		if !validStatus(e.Status) {
			if e.Status == "" {
				f.Add(at("status"), "is required: one of "+strings.Join(Statuses, ", "))
			} else {
				f.Add(at("status"), fmt.Sprintf("%q is not one of %s", clip(e.Status), strings.Join(Statuses, ", ")))
			}
		}
		var msg string
		if e.Note, msg = text.Multiline(e.Note, MaxNote); msg != "" {
			f.Add(at("note"), msg)
		}
	}
	return f.Err()
}

// change is one student's mark before and after a save, for the audit log.
type change struct {
	Student int64   `json:"student"`
	Before  *string `json:"before"`
	After   string  `json:"after"`
	Note    string  `json:"note,omitempty"`
}

// SaveRegister saves a whole register in one transaction: every student in the class on
// the date gets the mark sent (re-marking replaces, unchanged marks keep who made them),
// and each student absent for the first time that day gets one attendance.absent event.
// It refuses, naming the field and writing nothing: a date that is not a school day of
// the class's session or is after today, a student not in the class that day, a student
// missing or sent twice, an unknown status, a note that is too long or not plain text. A
// teacher may save only the classes they teach or lead (403).
func (s Service) SaveRegister(ctx context.Context, v Viewer, classID int64, date string, in RegisterInput, meta auth.Meta) (Register, error) {
	if _, err := parseDate("date", date); err != nil {
		return Register{}, err
	}
	if err := in.check(); err != nil {
		return Register{}, err
	}
	// The register is read and checked on a reader before the write transaction: a
	// school has one writer, and every save queues behind the one holding it. The class,
	// the viewer's reach and the calendar are not changed by a save, and a change to them
	// committed in between (a holiday added, a teacher unassigned) leaves the file as if
	// it had come just after the save. The roster and the marks, which the save checks
	// against and changes, are read again inside as one text (AttendanceRegisterState);
	// only when that differs is the register read and checked again there.
	var (
		c         tenantdb.AttendanceClassRow
		cal       calendar
		todayDate string
		marker    *string
		rows      []row
		state     string
	)
	err := s.T.ReadTx(ctx, func(q *tenantdb.Queries, _ tenantdb.DBTX) error {
		var err error
		if c, err = class(ctx, q, classID); err != nil {
			return err
		}
		if err := reach(ctx, q, v, c); err != nil {
			return err
		}
		if todayDate, err = today(ctx, q); err != nil {
			return err
		}
		if cal, err = loadCalendar(ctx, q, c.SessionID, c.SessionName, date, date); err != nil {
			return err
		}
		if why := cal.markable(date, todayDate); why != "" {
			return errs.Field("date", why)
		}
		if rows, err = readRegister(ctx, q, classID, date); err != nil {
			return err
		}
		if err := matchRoster(c, date, rows, in.Entries); err != nil {
			return err
		}
		if state, err = registerState(ctx, q, classID, date); err != nil {
			return err
		}
		marker, err = markerName(ctx, q, meta)
		return err
	})
	if err != nil {
		return Register{}, err
	}
	var reg Register
	err = outbox.Tx(ctx, s.T, func(q *tenantdb.Queries, _ *sql.Tx, out *outbox.Writer) error {
		now, err := registerState(ctx, q, classID, date)
		if err != nil {
			return err
		}
		if now != state {
			if rows, err = readRegister(ctx, q, classID, date); err != nil {
				return err
			}
			if err := matchRoster(c, date, rows, in.Entries); err != nil {
				return err
			}
		}
		at := nowStamp(ctx)
		by := actor(meta)
		status := make(map[int64]EntryInput, len(in.Entries))
		for _, e := range in.Entries {
			status[e.Student] = e
		}
		type mark struct {
			S  int64  `json:"s"`
			St string `json:"st"`
			N  string `json:"n"`
		}
		type alert struct {
			S int64  `json:"s"`
			E string `json:"e"`
		}
		var (
			marks   []mark
			alerts  []alert
			changes []change
		)
		// rows are in register order, so the audit lists the changes as the register does.
		for i := range rows {
			r := &rows[i]
			e := status[r.Student]
			if r.Status != nil && *r.Status == e.Status && r.Note == e.Note && r.markClass == classID {
				continue
			}
			marks = append(marks, mark{S: e.Student, St: e.Status, N: e.Note})
			changes = append(changes, change{Student: e.Student, Before: r.Status, After: e.Status, Note: e.Note})
			if e.Status == Absent {
				alerts = append(alerts, alert{S: e.Student, E: outbox.NewID()})
			}
			// The register as saved, from what is in hand rather than read again.
			st := e.Status
			r.Status, r.Note, r.markClass, r.MarkedAt, r.MarkedByName = &st, e.Note, classID, &at, marker
			r.MarkedBy = nil
			if by.Valid {
				r.MarkedBy = &by.Int64
			}
		}
		reg = registerOf(c, date, cal, todayDate, rows)
		if len(marks) == 0 {
			return nil
		}
		js, err := json.Marshal(marks)
		if err != nil {
			return errs.Wrap(err, "save marks")
		}
		if err := q.AttendanceUpsertMarks(ctx, tenantdb.AttendanceUpsertMarksParams{Date: date, ClassID: classID,
			MarkedBy: by, MarkedAt: at, Marks: string(js)}); err != nil {
			return errs.Wrap(err, "save marks")
		}
		if len(alerts) > 0 {
			if js, err = json.Marshal(alerts); err != nil {
				return errs.Wrap(err, "alert")
			}
			// Only the students not alerted that day yet come back: one event per student
			// and day, whatever the mark did since.
			written, err := q.AttendanceInsertAlerts(ctx, tenantdb.AttendanceInsertAlertsParams{Date: date, ClassID: classID,
				CreatedAt: at, Alerts: string(js)})
			if err != nil {
				return errs.Wrap(err, "alert")
			}
			events := make([]outbox.Event, len(written))
			for i, w := range written {
				events[i] = outbox.Event{ID: w.EventID, Data: AbsentData{StudentID: w.StudentID, ClassID: classID, Date: date}}
			}
			if err := out.AddMany(ctx, EventAbsent, events); err != nil {
				return errs.Wrap(err, "alert")
			}
		}
		return audit(ctx, q, meta, "attendance.save", fmt.Sprintf("%s %s", c.Name, date),
			map[string]any{"class": classID, "date": date, "changes": changes})
	})
	if err != nil {
		return Register{}, err
	}
	return reg, nil
}

// registerState is AttendanceRegisterState: the roster and marks of a register as one
// text, to tell whether they changed since it was read.
func registerState(ctx context.Context, q *tenantdb.Queries, classID int64, date string) (string, error) {
	s, err := q.AttendanceRegisterState(ctx, tenantdb.AttendanceRegisterStateParams{Date: date, ClassID: classID})
	return s, errs.Wrap(err, "read register")
}

// markerName is the name the register shows for marks the account of meta makes: its
// name, or its email when it has none; nil without an account.
func markerName(ctx context.Context, q *tenantdb.Queries, meta auth.Meta) (*string, error) {
	if meta.ActorID == nil {
		return nil, nil
	}
	u, err := q.AttendanceUserName(ctx, *meta.ActorID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, errs.Wrap(err, "marker")
	}
	if u.Name == "" {
		return &u.Email, nil
	}
	return &u.Name, nil
}

// matchRoster checks that the entries are the class's students that day, each once.
func matchRoster(c tenantdb.AttendanceClassRow, date string, rows []row, entries []EntryInput) error {
	on := make(map[int64]bool, len(rows))
	for _, r := range rows {
		on[r.Student] = true
	}
	f := errs.Fields{}
	sent := make(map[int64]bool, len(entries))
	for i, e := range entries {
		sent[e.Student] = true
		if !on[e.Student] {
			f.Add(fmt.Sprintf("entries[%d].student", i), fmt.Sprintf("student %d is not in %s on %s", e.Student, c.Name, date))
		}
	}
	var missing []string
	for _, r := range rows {
		if !sent[r.Student] {
			missing = append(missing, r.AdmissionNo+" "+r.Name)
		}
	}
	if len(missing) > 0 {
		list := missing
		if len(list) > 5 {
			list = append(list[:5:5], fmt.Sprintf("and %d more", len(missing)-5))
		}
		f.Add("entries", fmt.Sprintf("is missing %d of the %d students in %s on %s: %s", len(missing), len(rows), c.Name, date,
			strings.Join(list, ", ")))
	}
	return f.Err()
}

func actor(meta auth.Meta) sql.NullInt64 {
	if meta.ActorID == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: *meta.ActorID, Valid: true}
}

// StudentStatus is a student's mark on a date ("" when unmarked): the bot asks before
// sending an absence alert, to skip one for a student marked present again since.
func (s Service) StudentStatus(ctx context.Context, studentID int64, date string) (string, error) {
	if _, err := parseDate("date", date); err != nil {
		return "", err
	}
	q := s.T.Read()
	ok, err := q.AttendanceStudentExists(ctx, studentID)
	if err != nil {
		return "", errs.Wrap(err, "student")
	}
	if !ok {
		return "", errs.E(errs.NotFound, "no student with id %d", studentID)
	}
	st, err := q.AttendanceStudentMark(ctx, tenantdb.AttendanceStudentMarkParams{StudentID: studentID, Date: date})
	if err == sql.ErrNoRows {
		return "", nil
	}
	return st, errs.Wrap(err, "mark")
}
