package students

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/app/query"
	"github.com/schoolsms/sms/db"
	"github.com/schoolsms/sms/db/tenantdb"
)

// Student statuses.
const (
	StatusActive      = "active"
	StatusGraduated   = "graduated"
	StatusTransferred = "transferred"
	StatusWithdrawn   = "withdrawn"
	StatusSuspended   = "suspended"
)

var studentStatuses = []string{StatusActive, StatusGraduated, StatusTransferred, StatusWithdrawn, StatusSuspended}

func validStudentStatus(s string) bool {
	for _, x := range studentStatuses {
		if s == x {
			return true
		}
	}
	return false
}

// Student is a student record as the API shows it. CurrentClass is the class of the
// student's active enrollment in the current session, nil when there is none.
type Student struct {
	ID           int64     `json:"id"`
	AdmissionNo  string    `json:"admission_no"`
	FirstName    string    `json:"first_name"`
	MiddleName   string    `json:"middle_name"`
	LastName     string    `json:"last_name"`
	Gender       string    `json:"gender"`
	DateOfBirth  *string   `json:"date_of_birth"`
	Nationality  string    `json:"nationality"`
	HomeLanguage string    `json:"home_language"`
	Address      string    `json:"address"`
	MedicalNotes string    `json:"medical_notes"`
	Status       string    `json:"status"`
	AdmittedOn   string    `json:"admitted_on"`
	CreatedAt    string    `json:"created_at"`
	UpdatedAt    string    `json:"updated_at"`
	CurrentClass *ClassRef `json:"current_class"`
}

// StudentDetail is one student with guardians and enrollment history (newest first).
type StudentDetail struct {
	Student
	Guardians   []StudentGuardian `json:"guardians"`
	Enrollments []Enrollment      `json:"enrollments"`
}

// StudentGuardian is a guardian as a student's record shows it.
type StudentGuardian struct {
	ID               int64  `json:"id"`
	Name             string `json:"name"`
	Relationship     string `json:"relationship"`
	Phone            string `json:"phone"`
	Email            string `json:"email"`
	ReceivesMessages bool   `json:"receives_messages"`
	IsPrimary        bool   `json:"is_primary"`
}

func studentBio(r tenantdb.Student) map[string]any {
	return map[string]any{"admission_no": r.AdmissionNo, "first_name": r.FirstName, "middle_name": r.MiddleName,
		"last_name": r.LastName, "gender": r.Gender, "date_of_birth": strPtr(r.DateOfBirth), "nationality": r.Nationality,
		"home_language": r.HomeLanguage, "address": r.Address, "medical_notes": r.MedicalNotes, "status": r.Status,
		"admitted_on": r.AdmittedOn}
}

// StudentInput is what creating a student takes. AdmissionNo is generated from the
// school's pattern when blank; Status defaults to active and AdmittedOn to today.
// Class, when set, enrolls the student in that class (for the class's session);
// Guardians links existing guardians (by id) or new ones (reusing a guardian with the
// same phone number).
type StudentInput struct {
	AdmissionNo  string        `json:"admission_no"`
	FirstName    string        `json:"first_name"`
	MiddleName   string        `json:"middle_name"`
	LastName     string        `json:"last_name"`
	Gender       string        `json:"gender"`
	DateOfBirth  string        `json:"date_of_birth"`
	Nationality  string        `json:"nationality"`
	HomeLanguage string        `json:"home_language"`
	Address      string        `json:"address"`
	MedicalNotes string        `json:"medical_notes"`
	Status       string        `json:"status"`
	AdmittedOn   string        `json:"admitted_on"`
	Class        int64         `json:"class"`
	Guardians    []GuardianRef `json:"guardians"`
}

// GuardianRef names a guardian to link to a student: an existing one by ID, or the
// details of a new one.
type GuardianRef struct {
	ID int64 `json:"id"`
	GuardianInput
	IsPrimary bool `json:"is_primary"`
}

// bio holds the checked bio fields shared by create and update.
type bio struct {
	admissionNo, first, middle, last, gender, dob, nationality, language, address, medical, status, admittedOn string
}

func (b *bio) check(f errs.Fields, today string) {
	b.admissionNo = cleanText(f, "admission_no", b.admissionNo, maxAdmissionNoLen, false)
	b.first = cleanText(f, "first_name", b.first, 100, true)
	b.middle = cleanText(f, "middle_name", b.middle, 100, false)
	b.last = cleanText(f, "last_name", b.last, 100, true)
	b.gender = normGender(f, "gender", b.gender)
	b.dob = strings.TrimSpace(b.dob)
	if msg := checkDate(b.dob, today); msg != "" {
		f.Add("date_of_birth", msg)
	}
	b.nationality = cleanText(f, "nationality", b.nationality, 100, false)
	b.language = cleanText(f, "home_language", b.language, 100, false)
	b.address = cleanNotes(f, "address", b.address, 500)
	b.medical = cleanNotes(f, "medical_notes", b.medical, 2000)
	b.status = strings.ToLower(strings.TrimSpace(b.status))
	if !validStudentStatus(b.status) {
		f.Add("status", "must be one of "+strings.Join(studentStatuses, ", "))
	}
	b.admittedOn = strings.TrimSpace(b.admittedOn)
	if b.admittedOn == "" {
		f.Add("admitted_on", "is required")
	} else if msg := checkDate(b.admittedOn, today); msg != "" {
		f.Add("admitted_on", msg)
	}
}

func admissionNoConflict(no string) error {
	return &errs.Error{Code: errs.Conflict, Message: fmt.Sprintf("admission number %s is already taken", no),
		Fields: map[string]string{"admission_no": "is already the admission number of another student"}}
}

// CheckStudent validates and normalises what creating a student takes, for a school in
// country (guardian phones) on the date today, as CreateStudent does before it writes:
// the input as it would be stored (status and admission date defaulted), and the
// problems by field ("guardians[0].phone"). An empty admission number stays empty (it
// is generated).
func CheckStudent(in StudentInput, country, today string) (StudentInput, errs.Fields) {
	f := errs.Fields{}
	if in.Status == "" {
		in.Status = StatusActive
	}
	if strings.TrimSpace(in.AdmittedOn) == "" {
		in.AdmittedOn = today
	}
	b := bio{in.AdmissionNo, in.FirstName, in.MiddleName, in.LastName, in.Gender, in.DateOfBirth, in.Nationality,
		in.HomeLanguage, in.Address, in.MedicalNotes, in.Status, in.AdmittedOn}
	b.check(f, today)
	in.AdmissionNo, in.FirstName, in.MiddleName, in.LastName, in.Gender, in.DateOfBirth = b.admissionNo, b.first, b.middle, b.last, b.gender, b.dob
	in.Nationality, in.HomeLanguage, in.Address, in.MedicalNotes, in.Status, in.AdmittedOn = b.nationality, b.language, b.address, b.medical, b.status, b.admittedOn
	if in.Class < 0 {
		f.Add("class", "must be a class id")
	}
	primaries := 0
	guardians := make([]GuardianRef, len(in.Guardians))
	for i, g := range in.Guardians {
		prefix := fmt.Sprintf("guardians[%d].", i)
		if g.IsPrimary {
			primaries++
		}
		if g.ID > 0 {
			if g.GuardianInput != (GuardianInput{}) {
				f.Add(prefix+"id", "give either the id of an existing guardian or the details of a new one, not both")
			}
			guardians[i] = g
			continue
		}
		checked, gf := g.GuardianInput.check(country)
		for k, v := range gf {
			f.Add(prefix+k, v)
		}
		g.GuardianInput = checked
		guardians[i] = g
	}
	in.Guardians = guardians
	if primaries > 1 {
		f.Add("guardians", "at most one guardian can be the primary one")
	}
	return in, f
}

// CreateStudent adds a student inside the caller's transaction: it checks the input,
// takes a generated admission number when none is given (409 Conflict on admission_no
// when a given one is taken), links the guardians and, when in.Class is set, enrolls the
// student. Every write is audited with meta. On error the caller must roll back.
func CreateStudent(ctx context.Context, q *tenantdb.Queries, in StudentInput, meta auth.Meta) (tenantdb.Student, error) {
	country := ""
	if len(in.Guardians) > 0 {
		var err error
		if country, err = SchoolCountry(ctx, q); err != nil {
			return tenantdb.Student{}, err
		}
	}
	today, err := todayIn(ctx, q)
	if err != nil {
		return tenantdb.Student{}, err
	}
	in, f := CheckStudent(in, country, today)
	if err := f.Err(); err != nil {
		return tenantdb.Student{}, err
	}
	if in.AdmissionNo == "" {
		no, err := NextAdmissionNo(ctx, q)
		if err != nil {
			return tenantdb.Student{}, err
		}
		in.AdmissionNo = no
	}
	st, err := q.StudentsCreate(ctx, tenantdb.StudentsCreateParams{AdmissionNo: in.AdmissionNo, FirstName: in.FirstName,
		MiddleName: in.MiddleName, LastName: in.LastName, Gender: in.Gender, DateOfBirth: nullStr(in.DateOfBirth),
		Nationality: in.Nationality, HomeLanguage: in.HomeLanguage, Address: in.Address, MedicalNotes: in.MedicalNotes,
		Status: in.Status, AdmittedOn: in.AdmittedOn})
	if query.IsUnique(err) {
		return tenantdb.Student{}, admissionNoConflict(in.AdmissionNo)
	}
	if err != nil {
		return tenantdb.Student{}, errs.Wrap(err, "create student")
	}
	if err := audit(ctx, q, meta, "student.create", target(st), map[string]any{"id": st.ID, "after": studentBio(st)}); err != nil {
		return tenantdb.Student{}, err
	}
	for i, g := range in.Guardians {
		gid := g.ID
		if gid == 0 {
			gu, _, err := FindOrCreateGuardian(ctx, q, g.GuardianInput, meta)
			if err != nil {
				return tenantdb.Student{}, errs.PrefixFields(err, fmt.Sprintf("guardians[%d].", i))
			}
			gid = gu.ID
		}
		if err := LinkGuardian(ctx, q, st.ID, gid, g.IsPrimary, meta); err != nil {
			return tenantdb.Student{}, errs.PrefixFields(err, fmt.Sprintf("guardians[%d].", i))
		}
	}
	if in.Class > 0 {
		if _, err := Enroll(ctx, q, st.ID, in.Class, meta); err != nil {
			return tenantdb.Student{}, err
		}
	}
	return st, nil
}

func target(s tenantdb.Student) string { return fmt.Sprintf("student:%d %s", s.ID, s.AdmissionNo) }

// SchoolCountry is the school's ISO 3166 alpha-2 country code, "" when not set.
func SchoolCountry(ctx context.Context, q *tenantdb.Queries) (string, error) {
	c, err := q.StudentsSchoolCountry(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return strings.ToUpper(strings.TrimSpace(c)), errs.Wrap(err, "school country")
}

// StudentFilter narrows a student list or export. Class and Form look at enrollments:
// Class at that class (its session implied), Form at classes of that form in Session, or
// the current session when Session is 0. Session alone keeps students enrolled in it.
// Search matches every word against names and admission number. Order comes from
// StudentOrdering; the zero Order is by name.
type StudentFilter struct {
	Class, Form, Session int64
	Status               string
	Search               string
	Order                query.Order
}

// StudentOrdering is what a student list can be ordered by. Each field has an index
// with the same collation (migration 0006), so a page of any of them is an index walk.
var StudentOrdering = query.NewOrdering(map[string]string{
	"admission_no":  "s.admission_no",
	"last_name":     "s.last_name COLLATE NOCASE",
	"first_name":    "s.first_name COLLATE NOCASE",
	"date_of_birth": "s.date_of_birth",
	"created_at":    "s.created_at",
}, "last_name,first_name")

// orderBy completes an order (by name when zero) with the tie-breaks of the index that
// serves it: by last name is then by first name, as the name index is, and every
// ordering ends with the id in the direction of its field, because an index read
// backwards yields ids backwards. indexed reports whether an index can serve the
// ordering at all; orderings of several other fields are sorted.
func orderBy(o query.Order) (sql string, indexed bool) {
	def := StudentOrdering.Default()
	o = o.Or(def)
	terms := o.Terms()
	switch {
	case o.String() == def.String():
		return o.By("s.id"), true
	case len(terms) > 1:
		return o.SQL() + ", s.id ASC", false
	}
	t := terms[0]
	dir := " ASC"
	if t.Desc {
		dir = " DESC"
	}
	sql = o.SQL()
	if t.Field == "last_name" {
		sql += ", s.first_name COLLATE NOCASE" + dir
	}
	return sql + ", s.id" + dir, true
}

// Check validates the filter's values.
func (f StudentFilter) Check() error {
	if f.Status != "" && !validStudentStatus(f.Status) {
		return errs.Field("status", "must be one of "+strings.Join(studentStatuses, ", "))
	}
	// No name or admission number holds a control character (see cleanText), and the
	// trigram index reads a NUL as the end of its query.
	if strings.IndexFunc(f.Search, func(r rune) bool { return unicode.IsControl(r) && !unicode.IsSpace(r) }) >= 0 {
		return errs.Field("search", "must not contain control characters")
	}
	return nil
}

// idSet is a subquery of student ids, each at most once, that a list is narrowed to,
// or with not, the ids a list leaves out.
type idSet struct {
	query string
	args  []any
	not   bool
	size  int64 // how many students the set keeps, when known (sized)
	sized bool
}

// search narrows the list to the students its words match (searchStudents), as ids
// known in advance: the list needs the matches twice (the total, then the page). With
// page, and nothing else narrowing a list in the default order, the set is of the
// page's students alone, picked in memory (searchPage), and page becomes the first of
// that set. When most students match (one letter typed), the set is of those left out:
// SQLite reads a set into a table of its own before it walks the list, and the matches
// of "a" in a school of 20,000 are most of it.
func (l *studentList) search(ctx context.Context, t *db.Tenant, d query.Queryer, o query.Order, page *query.Page) error {
	if len(l.words) == 0 {
		return nil
	}
	m, err := searchStudents(ctx, t, d, l.words)
	if err != nil {
		return err
	}
	var set idSet
	switch found := len(m.found); {
	case page != nil && l.searchPage(o):
		set = idsSet(m.pageByName(page.Offset(), page.Limit()))
		*page, l.paged = query.Page{Number: 1, Size: page.Size}, true
	case found > len(m.n.ids)-found:
		set = idsSet(m.others())
		set.not = true
	default:
		set = idsSet(m.ids())
	}
	set.size, set.sized = int64(len(m.found)), true
	l.sets = append(l.sets, set)
	return nil
}

// idsSet is a set of ids given in advance, passed to SQLite as one JSON array.
func idsSet(ids []int64) idSet {
	b := make([]byte, 0, 2+8*len(ids))
	b = append(b, '[')
	for i, id := range ids {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, id, 10)
	}
	b = append(b, ']')
	return idSet{query: "SELECT value FROM json_each(?)", args: []any{string(b)}}
}

// studentList is a filter turned into SQL: the status, other conditions on a student's
// own row, and the sets of ids (search matches, enrollments, a teacher's classes) that
// narrow it.
type studentList struct {
	status string
	rows   query.Where
	sets   []idSet
	words  []string // the search's, until search makes them a set
	paged  bool     // the search's set is the page's students (searchPage)
}

// searchPage reports whether a list's page can be picked from the names in memory: when
// its search is all that narrows it and it is in the default order (pageByName). SQLite
// then reads the page's students alone; from the search's set it would look up every
// match, or walk the list against a set of thousands (one or two letters typed).
func (l studentList) searchPage(o query.Order) bool {
	def := StudentOrdering.Default()
	return len(l.sets) == 0 && l.rows.Len() == 0 && l.status == "" && o.Or(def).String() == def.String()
}

func (f StudentFilter) list(v Viewer, cur int64) studentList {
	l := studentList{status: f.Status}
	if v.Scoped() {
		if cur == 0 {
			l.rows.Add("0")
		} else {
			l.sets = append(l.sets, idSet{query: teacherStudents, args: []any{cur, v.TeacherID, v.TeacherID}})
		}
	}
	l.words = query.Words(f.Search)
	if f.Class > 0 || f.Form > 0 || f.Session > 0 {
		sess := f.Session
		if sess == 0 && f.Class == 0 {
			sess = cur
		}
		// A class belongs to one session and a student has one enrollment per session,
		// so with a class or a session each student comes at most once.
		join := ""
		var conds []string
		var args []any
		if f.Class > 0 {
			conds, args = append(conds, "fe.class_id = ?"), append(args, f.Class)
		}
		if f.Form > 0 {
			join = " JOIN classes fc ON fc.id = fe.class_id"
			conds, args = append(conds, "fc.form_id = ?"), append(args, f.Form)
		}
		if sess > 0 || f.Class == 0 {
			conds, args = append(conds, "fe.session_id = ?"), append(args, sess)
		}
		q := "SELECT fe.student_id FROM enrollments fe" + join + " WHERE " + strings.Join(conds, " AND ")
		l.sets = append(l.sets, idSet{query: q, args: args})
	}
	return l
}

// where is every condition of the list. With walk, the page is read by walking an index
// in the list's order, testing each row against the sets: the unary + keeps SQLite from
// looking students up by the ids of a set. Otherwise the sets lead: SQLite reads their
// students and sorts them, and the + on status keeps it from walking the status index.
func (l studentList) where(walk bool) query.Where {
	setCol, statusCol := "s.id", "+s.status"
	if walk || len(l.sets) == 0 {
		setCol, statusCol = "+s.id", "s.status"
	}
	var w query.Where
	if l.status != "" {
		w.Add(statusCol+" = ?", l.status)
	}
	w.And(l.rows)
	for _, set := range l.sets {
		in := " IN ("
		if set.not {
			in = " NOT IN ("
		}
		w.Add(setCol+in+set.query+")", set.args...)
	}
	return w
}

// count is the list's total: from the per-status counters when nothing else narrows
// it, from its one set when that is all there is, and by counting otherwise.
func (l studentList) count(ctx context.Context, q *tenantdb.Queries, d query.Queryer) (int64, error) {
	switch {
	case len(l.sets) == 0 && l.rows.Len() == 0:
		return studentStatusTotal(ctx, q, l.status)
	case len(l.sets) == 1 && l.rows.Len() == 0 && l.status == "" && l.sets[0].sized:
		return l.sets[0].size, nil
	case len(l.sets) == 1 && l.rows.Len() == 0 && l.status == "":
		var n int64
		err := d.QueryRowContext(ctx, "SELECT count(*) FROM ("+l.sets[0].query+")", l.sets[0].args...).Scan(&n)
		return n, err
	}
	w := l.where(false)
	var n int64
	err := d.QueryRowContext(ctx, "SELECT count(*) FROM students s"+w.SQL(), w.Args()...).Scan(&n)
	return n, err
}

// walkFactor is how many index entries an index walk may step over for each student a
// set would have SQLite look up and sort instead: a step of a covering index with a
// probe of the set costs about an eighth of a lookup (measured at 20,000 students).
const walkFactor = 8

// walks decides how to read a page of a narrowed list of n students out of total (the
// students the walked index holds). To fill the page a walk steps over about
// (offset+limit)·total/n entries, at most total; reading the sets looks up and sorts at
// least n students. A short list (a class, a rare name) is read from its sets, a long
// one (a form, a common name) by walking.
func walks(n, total int64, page query.Page) bool {
	if n == 0 {
		return false
	}
	steps := min(total, (page.Offset()+page.Limit())*total/n)
	return steps < walkFactor*n
}

const studentColumns = `s.id, s.admission_no, s.first_name, s.middle_name, s.last_name, s.gender, s.date_of_birth,
	s.nationality, s.home_language, s.address, s.medical_notes, s.status, s.admitted_on, s.created_at, s.updated_at,
	cc.id, cc.name, cf.id, cf.name, cf.level`

const currentClassJoin = ` LEFT JOIN enrollments ce ON ce.student_id = s.id AND ce.status = 'active' AND ce.session_id = ?
	LEFT JOIN classes cc ON cc.id = ce.class_id
	LEFT JOIN forms cf ON cf.id = cc.form_id`

func scanStudents(rows *sql.Rows) ([]Student, error) {
	defer rows.Close()
	out := []Student{}
	for rows.Next() {
		var s Student
		var dob, cname, fname sql.NullString
		var cid, fid, flevel sql.NullInt64
		if err := rows.Scan(&s.ID, &s.AdmissionNo, &s.FirstName, &s.MiddleName, &s.LastName, &s.Gender, &dob,
			&s.Nationality, &s.HomeLanguage, &s.Address, &s.MedicalNotes, &s.Status, &s.AdmittedOn, &s.CreatedAt, &s.UpdatedAt,
			&cid, &cname, &fid, &fname, &flevel); err != nil {
			return nil, err
		}
		s.DateOfBirth = strPtr(dob)
		if cid.Valid {
			s.CurrentClass = &ClassRef{ID: cid.Int64, Name: cname.String, Form: FormRef{ID: fid.Int64, Name: fname.String, Level: flevel.Int64}}
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// ListStudents returns a page of the students the viewer may see, and their total.
func (s Service) ListStudents(ctx context.Context, v Viewer, f StudentFilter, page query.Page) ([]Student, int64, error) {
	out := []Student{}
	n, err := s.listPage(ctx, v, f, page, true, columnsPageQuery, func(rows *sql.Rows) (err error) {
		out, err = scanStudents(rows)
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	return out, n, nil
}

// ListStudentsJSON is ListStudents with each student as the JSON the API shows: the
// rows migration 0011 keeps ready, joined by SQLite into one value, so a page costs an
// index walk and one read through the driver (reading a page's columns one value at a
// time cost more than all the rest of a list request, building the JSON about half).
func (s Service) ListStudentsJSON(ctx context.Context, v Viewer, f StudentFilter, page query.Page) ([]json.RawMessage, int64, error) {
	out := []json.RawMessage{}
	n, err := s.listPage(ctx, v, f, page, false, jsonPageQuery, func(rows *sql.Rows) error {
		defer rows.Close()
		var b []byte
		for rows.Next() {
			// The page comes as a blob read into RawBytes: a text column or a []byte
			// destination would each copy the page once more.
			var raw sql.RawBytes
			if err := rows.Scan(&raw); err != nil {
				return err
			}
			// SQLite copies text into JSON as it is; a name imported with broken
			// UTF-8 gets U+FFFD, as encoding/json would give it.
			if utf8.Valid(raw) {
				b = bytes.Clone(raw)
			} else {
				b = bytes.ToValidUTF8(raw, []byte("\uFFFD"))
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		// JSON text from SQLite never holds a raw newline (it escapes every control
		// character), so the newlines the page was joined with split it again.
		for len(b) > 0 {
			row, rest, _ := bytes.Cut(b, []byte{'\n'})
			out, b = append(out, row), rest
		}
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	return out, n, nil
}

// pageSQL makes the query of one page of a list (see pageKeys).
type pageSQL func(l studentList, order string, walk bool, cur int64, page query.Page) (string, []any)

// listPage reads the total of a list and hands the rows of its page, made by pageSQL, to
// read; both in one transaction so they agree. The page's ids come from an index walk
// (or a short set, sorted) and only those rows are read in full. withCur says whether
// the page's query needs the current session even when the filter does not.
func (s Service) listPage(ctx context.Context, v Viewer, f StudentFilter, page query.Page, withCur bool, pageQuery pageSQL,
	read func(*sql.Rows) error) (int64, error) {
	if err := f.Check(); err != nil {
		return 0, err
	}
	var n int64
	err := s.T.ReadTx(ctx, func(q *tenantdb.Queries, d tenantdb.DBTX) error {
		var cur int64
		if withCur || f.usesCurrentSession(v) {
			var err error
			if cur, err = currentSessionID(ctx, q); err != nil {
				return err
			}
		}
		l := f.list(v, cur)
		if err := l.search(ctx, s.T, d, f.Order, &page); err != nil {
			return errs.Wrap(err, "search students")
		}
		var err error
		if n, err = l.count(ctx, q, d); err != nil {
			return errs.Wrap(err, "count students")
		}
		if n <= page.Offset() {
			return nil
		}
		order, indexed := orderBy(f.Order)
		walk := false
		if indexed && len(l.sets) > 0 && !l.paged {
			total, err := studentStatusTotal(ctx, q, l.status)
			if err != nil {
				return errs.Wrap(err, "count students")
			}
			walk = walks(n, total, page)
		}
		query, args := pageQuery(l, order, walk, cur, page)
		rows, err := d.QueryContext(ctx, query, args...)
		if err != nil {
			return errs.Wrap(err, "list students")
		}
		return errs.Wrap(read(rows), "list students")
	})
	return n, errs.Wrap(err, "list students")
}

// usesCurrentSession reports whether the filter, for the viewer, narrows by the
// current session: a teacher's scope, or a form without a session or class.
func (f StudentFilter) usesCurrentSession(v Viewer) bool {
	return v.Scoped() || f.Form > 0 && f.Session == 0 && f.Class == 0
}

// pageKeys is the SQL of the ids of one page in a complete ordering (see orderBy), from
// an index or a set, as a subquery p whose columns k0, k1, ... are the values the page
// is ordered by, the last one the id; outer orders by them. The outer query reads only
// those students, and since the keys come with the page SQLite sees the outer query is
// in order already and does not sort the page's rows again.
func (l studentList) pageKeys(order string, walk bool, page query.Page) (sub, outer, id string, args []any) {
	w := l.where(walk)
	args = append(w.Args(), page.Limit(), page.Offset())
	var keys, outers []string
	for i, term := range strings.Split(order, ", ") {
		// "<expression> [ASC|DESC]"; the key keeps the expression's collation
		expr, dir := term, ""
		if j := strings.LastIndexByte(term, ' '); j > 0 && (term[j+1:] == "ASC" || term[j+1:] == "DESC") {
			expr, dir = term[:j], term[j:]
		}
		keys = append(keys, fmt.Sprintf("%s AS k%d", expr, i))
		outers = append(outers, fmt.Sprintf("p.k%d%s", i, dir))
	}
	sub = "(SELECT " + strings.Join(keys, ", ") + " FROM students s" + w.SQL() + " ORDER BY " + order + " LIMIT ? OFFSET ?) p"
	return sub, strings.Join(outers, ", "), "p.k" + strconv.Itoa(len(keys)-1), args
}

// columnsPageQuery reads a page's students as studentColumns, with their current class.
func columnsPageQuery(l studentList, order string, walk bool, cur int64, page query.Page) (string, []any) {
	sub, outer, id, args := l.pageKeys(order, walk, page)
	return "SELECT " + studentColumns + " FROM " + sub + " JOIN students s ON s.id = " + id +
		currentClassJoin + " ORDER BY " + outer, append(args, cur)
}

// jsonPageQuery reads a page as one value: the stored JSON rows of its students, in
// order, one a line. An aggregate keeps the order of a subquery in FROM that has an
// ORDER BY (SQLite only drops such an ORDER BY under count, min and max), and
// TestStudentJSON checks every ordering against ListStudents.
func jsonPageQuery(l studentList, order string, walk bool, _ int64, page query.Page) (string, []any) {
	sub, outer, id, args := l.pageKeys(order, walk, page)
	return "SELECT CAST(group_concat(r.json, char(10)) AS BLOB) FROM (SELECT r.json FROM " + sub +
		" JOIN student_list_rows r ON r.student_id = " + id + " ORDER BY " + outer + ") r", args
}

// studentStatusTotal is how many students have the status, or all of them for "".
func studentStatusTotal(ctx context.Context, q *tenantdb.Queries, status string) (int64, error) {
	if status == "" {
		return q.StudentsTotal(ctx)
	}
	n, err := q.StudentsWithStatus(ctx, status)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return n, err
}

// GetStudent returns one student with guardians and enrollments; a student the viewer
// may not see is not found.
func (s Service) GetStudent(ctx context.Context, v Viewer, id int64) (StudentDetail, error) {
	q := s.T.Read()
	ok, err := canSee(ctx, q, v, id)
	if err != nil {
		return StudentDetail{}, err
	}
	if !ok {
		return StudentDetail{}, notFound("student", id)
	}
	return studentDetail(ctx, s.T.ReadDB(), q, id)
}

func studentDetail(ctx context.Context, d query.Queryer, q *tenantdb.Queries, id int64) (StudentDetail, error) {
	cur, err := currentSessionID(ctx, q)
	if err != nil {
		return StudentDetail{}, err
	}
	rows, err := d.QueryContext(ctx, "SELECT "+studentColumns+" FROM students s"+currentClassJoin+" WHERE s.id = ?", cur, id)
	if err != nil {
		return StudentDetail{}, errs.Wrap(err, "get student")
	}
	list, err := scanStudents(rows)
	if err != nil {
		return StudentDetail{}, errs.Wrap(err, "get student")
	}
	if len(list) == 0 {
		return StudentDetail{}, notFound("student", id)
	}
	out := StudentDetail{Student: list[0], Guardians: []StudentGuardian{}, Enrollments: []Enrollment{}}
	gs, err := q.StudentsGuardians(ctx, id)
	if err != nil {
		return StudentDetail{}, errs.Wrap(err, "student guardians")
	}
	for _, g := range gs {
		out.Guardians = append(out.Guardians, StudentGuardian{ID: g.ID, Name: g.Name, Relationship: g.Relationship,
			Phone: g.Phone, Email: g.Email, ReceivesMessages: g.ReceivesMessages, IsPrimary: g.IsPrimary})
	}
	es, err := q.StudentsEnrollments(ctx, id)
	if err != nil {
		return StudentDetail{}, errs.Wrap(err, "student enrollments")
	}
	ref := StudentRef{ID: out.ID, AdmissionNo: out.AdmissionNo, Name: fullName(out.FirstName, out.MiddleName, out.LastName)}
	for _, e := range es {
		out.Enrollments = append(out.Enrollments, Enrollment{ID: e.ID, Student: ref,
			Class:   ClassRef{ID: e.ClassID, Name: e.ClassName, Form: FormRef{ID: e.FormID, Name: e.FormName, Level: e.FormLevel}},
			Session: SessionRef{ID: e.SessionID, Name: e.SessionName, IsCurrent: e.SessionIsCurrent},
			Status:  e.Status, EnrolledOn: e.EnrolledOn, EndedOn: strPtr(e.EndedOn), CreatedAt: e.CreatedAt})
	}
	return out, nil
}

// CreateStudent adds a student in its own transaction and returns the full record.
func (s Service) CreateStudent(ctx context.Context, in StudentInput, meta auth.Meta) (StudentDetail, error) {
	var id int64
	err := s.T.Tx(ctx, func(q *tenantdb.Queries, _ *sql.Tx) error {
		st, err := CreateStudent(ctx, q, in, meta)
		id = st.ID
		return err
	})
	if err != nil {
		return StudentDetail{}, err
	}
	return studentDetail(ctx, s.T.ReadDB(), s.T.Read(), id)
}

// StudentPatch is a partial update of a student's bio; nil fields stay as they are.
// DateOfBirth "" clears it. Setting the status to withdrawn or transferred ends the
// student's active enrollments (status left); graduated ends them as graduated.
type StudentPatch struct {
	AdmissionNo  *string `json:"admission_no"`
	FirstName    *string `json:"first_name"`
	MiddleName   *string `json:"middle_name"`
	LastName     *string `json:"last_name"`
	Gender       *string `json:"gender"`
	DateOfBirth  *string `json:"date_of_birth"`
	Nationality  *string `json:"nationality"`
	HomeLanguage *string `json:"home_language"`
	Address      *string `json:"address"`
	MedicalNotes *string `json:"medical_notes"`
	Status       *string `json:"status"`
	AdmittedOn   *string `json:"admitted_on"`
}

func set(dst *string, p *string) {
	if p != nil {
		*dst = *p
	}
}

// UpdateStudent applies a patch.
func (s Service) UpdateStudent(ctx context.Context, id int64, p StudentPatch, meta auth.Meta) (StudentDetail, error) {
	if p.AdmissionNo != nil && strings.TrimSpace(*p.AdmissionNo) == "" {
		return StudentDetail{}, errs.Field("admission_no", "cannot be blank")
	}
	err := s.T.Tx(ctx, func(q *tenantdb.Queries, _ *sql.Tx) error {
		cur, err := q.StudentsGet(ctx, id)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("student", id)
		}
		if err != nil {
			return errs.Wrap(err, "get student")
		}
		b := bio{cur.AdmissionNo, cur.FirstName, cur.MiddleName, cur.LastName, cur.Gender, cur.DateOfBirth.String,
			cur.Nationality, cur.HomeLanguage, cur.Address, cur.MedicalNotes, cur.Status, cur.AdmittedOn}
		set(&b.admissionNo, p.AdmissionNo)
		set(&b.first, p.FirstName)
		set(&b.middle, p.MiddleName)
		set(&b.last, p.LastName)
		set(&b.gender, p.Gender)
		set(&b.dob, p.DateOfBirth)
		set(&b.nationality, p.Nationality)
		set(&b.language, p.HomeLanguage)
		set(&b.address, p.Address)
		set(&b.medical, p.MedicalNotes)
		set(&b.status, p.Status)
		set(&b.admittedOn, p.AdmittedOn)
		today, err := todayIn(ctx, q)
		if err != nil {
			return err
		}
		f := errs.Fields{}
		b.check(f, today)
		if err := f.Err(); err != nil {
			return err
		}
		row, err := q.StudentsUpdate(ctx, tenantdb.StudentsUpdateParams{ID: id, AdmissionNo: b.admissionNo, FirstName: b.first,
			MiddleName: b.middle, LastName: b.last, Gender: b.gender, DateOfBirth: nullStr(b.dob), Nationality: b.nationality,
			HomeLanguage: b.language, Address: b.address, MedicalNotes: b.medical, Status: b.status, AdmittedOn: b.admittedOn})
		if query.IsUnique(err) {
			return admissionNoConflict(b.admissionNo)
		}
		if err != nil {
			return errs.Wrap(err, "update student")
		}
		var ended []tenantdb.Enrollment
		if row.Status != cur.Status {
			switch row.Status {
			case StatusWithdrawn, StatusTransferred, StatusGraduated:
				if ended, err = endActiveEnrollments(ctx, q, id, row.Status); err != nil {
					return err
				}
			}
		}
		return audit(ctx, q, meta, "student.update", target(row), map[string]any{"id": id, "before": studentBio(cur),
			"after": studentBio(row), "ended_enrollments": enrollmentIDs(ended)})
	})
	if err != nil {
		return StudentDetail{}, err
	}
	return studentDetail(ctx, s.T.ReadDB(), s.T.Read(), id)
}

// endActiveEnrollments closes a leaving student's active enrollments as of today.
func endActiveEnrollments(ctx context.Context, q *tenantdb.Queries, studentID int64, studentStatus string) ([]tenantdb.Enrollment, error) {
	today, err := todayIn(ctx, q)
	if err != nil {
		return nil, err
	}
	ended, err := q.EnrollmentsEndActive(ctx, tenantdb.EnrollmentsEndActiveParams{EndedOn: nullStr(today), StudentID: studentID})
	if err != nil {
		return nil, errs.Wrap(err, "end enrollments")
	}
	if studentStatus == StatusGraduated {
		for _, e := range ended {
			if _, err := q.EnrollmentsUpdate(ctx, tenantdb.EnrollmentsUpdateParams{ID: e.ID, ClassID: e.ClassID,
				Status: EnrollmentGraduated, EnrolledOn: e.EnrolledOn, EndedOn: e.EndedOn}); err != nil {
				return nil, errs.Wrap(err, "end enrollments")
			}
		}
	}
	return ended, nil
}

func enrollmentIDs(es []tenantdb.Enrollment) []int64 {
	ids := []int64{}
	for _, e := range es {
		ids = append(ids, e.ID)
	}
	return ids
}

// DeleteStudent removes a student nothing refers to (one entered twice, say), with
// their guardian links; the guardians stay for their other students. A student with
// enrollments, attendance marks, scores, an admission or report card remarks is a
// Conflict listing them: such a student is withdrawn (a status change), never deleted,
// so the school's record stays whole.
func (s Service) DeleteStudent(ctx context.Context, id int64, meta auth.Meta) error {
	return s.T.Tx(ctx, func(q *tenantdb.Queries, _ *sql.Tx) error {
		cur, err := q.StudentsGet(ctx, id)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("student", id)
		}
		if err != nil {
			return errs.Wrap(err, "get student")
		}
		n, err := q.StudentsDependents(ctx, id)
		if err != nil {
			return errs.Wrap(err, "count what refers to the student")
		}
		deps := dependents(
			dependent{"enrollments", "enrollment", "enrollments", n.Enrollments},
			dependent{"attendance", "attendance mark", "attendance marks", n.Attendance},
			dependent{"scores", "score", "scores", n.Scores},
			dependent{"admissions", "admission", "admissions", n.Admissions},
			dependent{"report_comments", "report card comment", "report card comments", n.ReportComments},
			dependent{"subject_remarks", "subject remark", "subject remarks", n.SubjectRemarks})
		if len(deps) > 0 {
			return errs.InUse(deps, "%s has %s; a student with a record is withdrawn (set the status), not deleted",
				fullName(cur.FirstName, cur.MiddleName, cur.LastName), errs.Labels(deps))
		}
		links, err := q.StudentsCountGuardianLinks(ctx, id)
		if err != nil {
			return errs.Wrap(err, "count guardian links")
		}
		// The links go with the row (ON DELETE CASCADE), inside this transaction.
		if _, err := q.StudentsDelete(ctx, id); err != nil {
			return errs.Wrap(err, "delete student")
		}
		return audit(ctx, q, meta, "student.delete", target(cur), map[string]any{"id": id, "before": studentBio(cur),
			"guardian_links_removed": links})
	})
}

// dependent is one kind of record that refers to a student, with its count.
type dependent struct {
	kind, one, many string
	count           int64
}

// dependents are the kinds that are there (count > 0), labelled "1 score", "3 scores".
func dependents(ds ...dependent) []errs.Dependent {
	var out []errs.Dependent
	for _, d := range ds {
		if d.count == 0 {
			continue
		}
		label := fmt.Sprintf("%d %s", d.count, d.many)
		if d.count == 1 {
			label = "1 " + d.one
		}
		out = append(out, errs.Dependent{Kind: d.kind, Count: d.count, Label: label})
	}
	return out
}
