package studentimport

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"math"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/core/school"
	"github.com/schoolsms/sms/app/core/students"
	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/db"
	"github.com/schoolsms/sms/db/tenantdb"
)

// Result is what an import did, or (dry run, or with errors) would have done.
type Result struct {
	Created int       `json:"created"`
	Updated int       `json:"updated"`
	Errors  []Problem `json:"errors"`
	DryRun  bool      `json:"dry_run"`
}

// afterCheck, when set (by tests), runs between the check on the reader pool and the
// write transaction: where another writer may change the school.
var afterCheck func()

// errChanged ends a write transaction that found the school changed since the check.
var errChanged = errors.New("the school changed since the import was checked")

// Service is the student import of one school.
type Service struct {
	T *db.Tenant
}

// New returns the import service over a school's open file.
func New(t *db.Tenant) Service { return Service{T: t} }

// Import applies rows to the school, all of them or none: a row whose admission number
// exists updates that student, any other row creates one (with its guardian and its
// class in the current session). If any row has a problem, or dryRun is set, nothing
// is written; every problem is reported with its row and column.
//
// A school has one writer at a time, and other writers (the server's requests, another
// command) wait for it only a few seconds. So the rows are checked first against the
// school as its reader pool shows it, without the write lock: a dry run or a file with
// problems never takes it. A clean file is then checked once more inside the write
// transaction, against the school as it is now (it may have changed meanwhile), from a
// few bulk reads and in memory, and written with multi-row statements: the lock is held
// for that, not for a round trip per row.
func (s Service) Import(ctx context.Context, rows []Row, dryRun bool, meta auth.Meta) (Result, error) {
	t := s.T
	for attempt := 1; ; attempt++ {
		c, err := checkOnReader(ctx, t, rows, meta)
		if err != nil {
			return Result{}, errs.Wrap(err, "check import")
		}
		res := c.res
		res.DryRun = dryRun
		if len(res.Errors) > 0 || dryRun {
			if !dryRun {
				res.Created, res.Updated = 0, 0 // nothing was written
			}
			return res, nil
		}
		if afterCheck != nil {
			afterCheck()
		}
		err = t.Tx(ctx, func(q *tenantdb.Queries, tx *sql.Tx) error {
			now, err := load(ctx, q, rows)
			if err != nil {
				return err
			}
			if reflect.DeepEqual(now, c.snapshot) {
				return c.bulk.Write(ctx, q, tx)
			}
			// Another writer changed what the rows were checked against. Check them
			// again without the lock, which others are waiting for; after a few
			// tries (a school being changed all the time), check them under it.
			if attempt < checkAttempts {
				return errChanged
			}
			c = plan(now, rows, meta)
			if res = c.res; len(res.Errors) > 0 {
				return errChanged
			}
			return c.bulk.Write(ctx, q, tx)
		})
		switch {
		case errors.Is(err, errChanged) && len(res.Errors) > 0:
			res.Created, res.Updated = 0, 0
			return res, nil
		case errors.Is(err, errChanged):
			continue
		case err != nil:
			return Result{}, errs.Wrap(err, "import students")
		}
		return res, nil
	}
}

// ImportFile is Import of a parsed file: the problems of the file itself (parsed: dates,
// empty names, unknown columns) and those the school finds (duplicate or unknown
// admission numbers, unknown classes, bad phones, classes without places) come back
// together, in one pass, in row order with the lines about the whole file last. A file
// with any problem writes nothing.
func (s Service) ImportFile(ctx context.Context, rows []Row, parsed []Problem, dryRun bool, meta auth.Meta) (Result, error) {
	if len(parsed) == 0 {
		return s.Import(ctx, rows, dryRun, meta)
	}
	res := Result{DryRun: dryRun, Errors: parsed}
	if len(rows) > 0 {
		checked, err := s.Import(ctx, rows, true, meta)
		if err != nil {
			return Result{}, err
		}
		res.Errors = mergeProblems(parsed, checked.Errors)
	}
	return res, nil
}

// mergeProblems adds to the file's problems those the school found about other cells
// (a cell the file already complains about gets one message), sorted by row with the
// lines about the whole file (row 0) last.
func mergeProblems(parsed, checked []Problem) []Problem {
	type cell struct {
		row int
		col string
	}
	seen := map[cell]bool{}
	out := slices.Clone(parsed)
	for _, p := range parsed {
		seen[cell{p.Row, p.Column}] = true
	}
	for _, p := range checked {
		if p.Row != 0 && seen[cell{p.Row, p.Column}] {
			continue
		}
		out = append(out, p)
	}
	slices.SortStableFunc(out, func(a, b Problem) int {
		ra, rb := a.Row, b.Row
		if ra == 0 {
			ra = math.MaxInt
		}
		if rb == 0 {
			rb = math.MaxInt
		}
		return ra - rb
	})
	return out
}

// checkAttempts is how often an import is checked without the write lock before it is
// checked under it.
const checkAttempts = 3

// checked is an import checked against a snapshot of the school: what it would do,
// and the writes that do it.
type checked struct {
	snapshot *snapshot
	bulk     *students.Bulk
	res      Result
}

// checkOnReader checks the import in one read transaction (one consistent view of the
// school).
func checkOnReader(ctx context.Context, t *db.Tenant, rows []Row, meta auth.Meta) (checked, error) {
	var s *snapshot
	err := t.ReadTx(ctx, func(q *tenantdb.Queries, _ tenantdb.DBTX) error {
		var err error
		s, err = load(ctx, q, rows)
		return err
	})
	if err != nil {
		return checked{}, err
	}
	return plan(s, rows, meta), nil
}

// plan checks every row against the snapshot and plans the writes of the rows without
// problems, in file order: each row sees the school as the rows before it leave it.
func plan(s *snapshot, rows []Row, meta auth.Meta) checked {
	res := Result{Errors: []Problem{}}
	// The planner changes its copy of the snapshot as rows are planned; the snapshot
	// itself stays as read, to be compared with the school later.
	p := &planner{snapshot: s.clone(), b: students.NewBulk(s.ids, meta, s.today), seen: map[string]int{}, short: map[int64]int{}}
	for _, r := range rows {
		created, ps := p.row(r)
		if len(ps.list) > 0 || ps.full {
			res.Errors = append(res.Errors, ps.list...)
			continue
		}
		if created {
			res.Created++
		} else {
			res.Updated++
		}
	}
	// A class too small for the file is one line, whatever the number of rows that do
	// not fit: how many more places the file needs and what the class holds.
	for _, id := range p.shortOrder {
		c := p.classByID(id)
		res.Errors = append(res.Errors, Problem{Column: "class", ClassID: id,
			Message: fmt.Sprintf("%s: %s needed; it holds %d", c.Name, places(p.short[id]), c.Capacity.Int64)})
	}
	if p.lastNumber > 0 {
		p.b.SetCounter(s.sequence.Counter(), p.lastNumber)
	}
	return checked{snapshot: s, bulk: p.b, res: res}
}

// snapshot is what the rows of an import are checked against: the parts of the school
// they name, read in a few bulk queries.
type snapshot struct {
	ids       students.BulkIDs
	country   string
	now       time.Time // in the school's timezone
	today     string
	session   *tenantdb.AcademicSession
	classes   map[string]tenantdb.StudentsSessionClassesRow // lower-case name -> class of the current session
	active    map[int64]int64                               // class id -> active enrollments
	students  map[string]tenantdb.Student                   // lower-case admission number -> student named by a row
	links     map[int64]map[int64]bool                      // student id -> ids of their guardians
	enrolled  map[int64]tenantdb.Enrollment                 // student id -> enrollment in the current session
	guardians map[string]tenantdb.Guardian                  // E.164 phone -> the (first) guardian with it
	// numbers are free admission numbers of the school's sequence, in order, one for
	// each row without one; numbersErr says why there are not enough.
	sequence   students.AdmissionSequence
	numbers    []generated
	numbersErr error
}

type generated struct {
	no string
	n  int64
}

// chunk is how many values one bulk read asks for.
const chunk = 500

func inChunks[T, R any](values []T, read func([]T) ([]R, error)) ([]R, error) {
	var out []R
	for start := 0; start < len(values); start += chunk {
		got, err := read(values[start:min(len(values), start+chunk)])
		if err != nil {
			return nil, err
		}
		out = append(out, got...)
	}
	return out, nil
}

func load(ctx context.Context, q *tenantdb.Queries, rows []Row) (*snapshot, error) {
	s := &snapshot{classes: map[string]tenantdb.StudentsSessionClassesRow{}, active: map[int64]int64{},
		students: map[string]tenantdb.Student{}, links: map[int64]map[int64]bool{}, enrolled: map[int64]tenantdb.Enrollment{},
		guardians: map[string]tenantdb.Guardian{}}
	var err error
	if s.ids, err = students.ReadBulkIDs(ctx, q); err != nil {
		return nil, err
	}
	if s.country, err = students.SchoolCountry(ctx, q); err != nil {
		return nil, err
	}
	if s.now, err = school.NowIn(ctx, q); err != nil {
		return nil, err
	}
	s.today = s.now.Format(school.DateLayout)
	sess, err := q.StudentsCurrentSession(ctx)
	switch {
	case err == nil:
		s.session = &sess
		cls, err := q.StudentsSessionClasses(ctx, sess.ID)
		if err != nil {
			return nil, err
		}
		for _, c := range cls {
			s.classes[strings.ToLower(c.Name)] = c
		}
		counts, err := q.ImportActiveByClass(ctx, sess.ID)
		if err != nil {
			return nil, err
		}
		for _, c := range counts {
			s.active[c.ClassID] = c.Active
		}
	case !errors.Is(err, sql.ErrNoRows):
		return nil, err
	}

	var numbers, phones []string
	inFile := map[string]bool{}
	blanks := 0
	for _, r := range rows {
		if r.AdmissionNo == "" {
			blanks++
		} else if key := strings.ToLower(r.AdmissionNo); !inFile[key] {
			inFile[key] = true
			numbers = append(numbers, r.AdmissionNo)
		}
		if phone, err := students.NormalizePhone(s.country, r.GuardianPhone); err == nil && phone != "" {
			phones = append(phones, phone)
		}
	}
	found, err := inChunks(numbers, func(v []string) ([]tenantdb.Student, error) { return q.ImportStudentsByAdmissionNo(ctx, v) })
	if err != nil {
		return nil, err
	}
	var ids []int64
	for _, st := range found {
		s.students[strings.ToLower(st.AdmissionNo)] = st
		s.links[st.ID] = map[int64]bool{}
		ids = append(ids, st.ID)
	}
	links, err := inChunks(ids, func(v []int64) ([]tenantdb.StudentGuardian, error) { return q.ImportLinksOfStudents(ctx, v) })
	if err != nil {
		return nil, err
	}
	for _, l := range links {
		s.links[l.StudentID][l.GuardianID] = true
	}
	if s.session != nil {
		es, err := inChunks(ids, func(v []int64) ([]tenantdb.Enrollment, error) {
			return q.ImportEnrollmentsInSession(ctx, tenantdb.ImportEnrollmentsInSessionParams{SessionID: s.session.ID, StudentIds: v})
		})
		if err != nil {
			return nil, err
		}
		for _, e := range es {
			s.enrolled[e.StudentID] = e
		}
	}
	gs, err := inChunks(phones, func(v []string) ([]tenantdb.Guardian, error) { return q.ImportGuardiansByPhone(ctx, v) })
	if err != nil {
		return nil, err
	}
	for _, g := range gs {
		if have, ok := s.guardians[g.Phone]; !ok || g.ID < have.ID {
			s.guardians[g.Phone] = g
		}
	}
	if blanks > 0 {
		if err := s.freeNumbers(ctx, q, blanks, inFile); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// freeNumbers finds the next want admission numbers of the school's sequence that no
// student has and no row of the file names, as NextAdmissionNo would take them one by
// one, reading which are taken a window at a time.
func (s *snapshot) freeNumbers(ctx context.Context, q *tenantdb.Queries, want int, inFile map[string]bool) error {
	pattern, err := students.AdmissionPattern(ctx, q)
	if err != nil {
		return err
	}
	s.sequence = students.NewAdmissionSequence(pattern, s.now.Year())
	n, err := q.StudentsGetCounter(ctx, s.sequence.Counter())
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	for tried := 0; len(s.numbers) < want; {
		if tried >= want+100000 {
			s.numbersErr = errs.E(errs.Conflict, "no free admission number found for the pattern %q; give the number yourself or change the pattern", pattern)
			return nil
		}
		var window []generated
		var nos []string
		for range want - len(s.numbers) + 50 {
			n++
			tried++
			no, err := s.sequence.Number(n)
			if err != nil {
				s.numbersErr = err
				return nil
			}
			window = append(window, generated{no: no, n: n})
			nos = append(nos, no)
		}
		taken, err := inChunks(nos, func(v []string) ([]tenantdb.Student, error) { return q.ImportStudentsByAdmissionNo(ctx, v) })
		if err != nil {
			return err
		}
		used := map[string]bool{}
		for _, st := range taken {
			used[strings.ToLower(st.AdmissionNo)] = true
		}
		for _, g := range window {
			if key := strings.ToLower(g.no); !used[key] && !inFile[key] && len(s.numbers) < want {
				s.numbers = append(s.numbers, g)
			}
		}
	}
	return nil
}

// clone is a copy of the snapshot that can be changed without changing it.
func (s *snapshot) clone() *snapshot {
	c := *s
	c.classes = maps.Clone(s.classes)
	c.active = maps.Clone(s.active)
	c.students = maps.Clone(s.students)
	c.links = map[int64]map[int64]bool{}
	for id, gs := range s.links {
		c.links[id] = maps.Clone(gs)
	}
	c.enrolled = maps.Clone(s.enrolled)
	c.guardians = maps.Clone(s.guardians)
	return &c
}

// planner walks the rows, keeping the snapshot up to date with what the rows before
// the current one planned.
type planner struct {
	*snapshot
	b          *students.Bulk
	seen       map[string]int // lower-case admission number -> its first row
	next       int            // the next of s.numbers to hand out
	lastNumber int64          // the sequence value of the last number handed out
	// short counts, per full class, the rows that found no place in it; shortOrder
	// lists those classes as the file first meets them.
	short      map[int64]int
	shortOrder []int64
}

func (p *planner) classByID(id int64) tenantdb.StudentsSessionClassesRow {
	for _, c := range p.classes {
		if c.ID == id {
			return c
		}
	}
	return tenantdb.StudentsSessionClassesRow{ID: id}
}

// places is "1 more place", "90 more places".
func places(n int) string {
	if n == 1 {
		return "1 more place"
	}
	return fmt.Sprintf("%d more places", n)
}

// problems collects the problems of one row; full is set when its class has no place
// for it (reported once per class, not per row).
type problems struct {
	line int
	list []Problem
	full bool
}

func (ps *problems) add(col, msg string) {
	ps.list = append(ps.list, Problem{Row: ps.line, Column: col, Message: msg})
}

// addErr adds a service error's problems, each field under its import column.
func (ps *problems) addErr(err error) {
	e := errs.As(err)
	if len(e.Fields) == 0 {
		ps.add("", e.Message)
	}
	for _, field := range slices.Sorted(maps.Keys(e.Fields)) {
		ps.add(column(field), e.Fields[field])
	}
}

// row checks one row and, when it has no problem, plans its writes.
func (p *planner) row(r Row) (created bool, _ *problems) {
	ps := &problems{line: r.Line}
	if r.AdmissionNo != "" {
		key := strings.ToLower(r.AdmissionNo)
		if first, dup := p.seen[key]; dup {
			ps.add("admission_no", fmt.Sprintf("%s is also on row %d", r.AdmissionNo, first))
			return false, ps
		}
		p.seen[key] = r.Line
	}
	if r.DateOfBirth > p.today {
		ps.add("date_of_birth", fmt.Sprintf("%s is after today (%s): not a plausible date of birth", r.DateOfBirth, p.today))
		r.DateOfBirth = ""
	}
	var class *tenantdb.StudentsSessionClassesRow
	if r.Class != "" {
		switch c, ok := p.classes[strings.ToLower(r.Class)]; {
		case p.session == nil:
			ps.add("class", "there is no current academic session to put students in; create one first")
		case !ok:
			ps.add("class", fmt.Sprintf("there is no class %q in %s", r.Class, p.session.Name))
		default:
			class = &c
		}
	}
	if st, ok := p.students[strings.ToLower(r.AdmissionNo)]; ok && r.AdmissionNo != "" {
		p.update(st, r, class, ps)
		return false, ps
	}
	p.create(r, class, ps)
	return true, ps
}

func guardianOf(r Row) []students.GuardianRef {
	if r.GuardianName == "" && r.GuardianPhone == "" && r.GuardianEmail == "" {
		return nil
	}
	return []students.GuardianRef{{IsPrimary: true, GuardianInput: students.GuardianInput{Name: r.GuardianName,
		Relationship: r.GuardianRelationship, Phone: r.GuardianPhone, Email: r.GuardianEmail}}}
}

// room checks that the class has a free place for the row (capacity counts active
// enrollments), counting the rows that find none. A row with other problems still takes
// its place, so that the count is what the file needs once they are corrected.
func (p *planner) room(c *tenantdb.StudentsSessionClassesRow, ps *problems) {
	if c.Capacity.Valid && p.active[c.ID] >= c.Capacity.Int64 {
		if p.short[c.ID] == 0 {
			p.shortOrder = append(p.shortOrder, c.ID)
		}
		p.short[c.ID]++
		ps.full = true
		return
	}
	if len(ps.list) > 0 {
		p.active[c.ID]++
	}
}

// guardian is the guardian a row names: the one with its phone number (in the school,
// or added by an earlier row), else a new one.
func (p *planner) guardian(in students.GuardianInput) tenantdb.Guardian {
	if g, ok := p.guardians[in.Phone]; ok && in.Phone != "" {
		return g
	}
	g := p.b.AddGuardian(in)
	if in.Phone != "" {
		p.guardians[in.Phone] = g
	}
	return g
}

func (p *planner) create(r Row, class *tenantdb.StudentsSessionClassesRow, ps *problems) {
	in, f := students.CheckStudent(students.StudentInput{AdmissionNo: r.AdmissionNo, FirstName: r.FirstName,
		MiddleName: r.MiddleName, LastName: r.LastName, Gender: r.Gender, DateOfBirth: r.DateOfBirth, Guardians: guardianOf(r)}, p.country, p.today)
	if err := f.Err(); err != nil {
		ps.addErr(err)
	}
	if class != nil {
		p.room(class, ps)
	}
	var number generated
	if in.AdmissionNo == "" {
		if p.next < len(p.numbers) {
			number = p.numbers[p.next]
		} else {
			ps.add("admission_no", errs.As(p.numbersErr).Message)
		}
	}
	if len(ps.list) > 0 || ps.full {
		return
	}
	if in.AdmissionNo == "" {
		in.AdmissionNo = number.no
		p.next++
		p.lastNumber = number.n
	}
	st := p.b.AddStudent(in)
	if len(in.Guardians) > 0 {
		p.b.Link(st, p.guardian(in.Guardians[0].GuardianInput), true)
	}
	if class != nil {
		p.b.Enroll(st, *class)
		p.active[class.ID]++
	}
}

// update brings an existing student in line with the row: names, gender and date of
// birth, the guardian (linked if new to the student) and the class this session.
// Nothing is written for what is already so.
func (p *planner) update(st tenantdb.Student, r Row, class *tenantdb.StudentsSessionClassesRow, ps *problems) {
	dob := st.DateOfBirth.String
	if r.DateOfBirth != "" {
		dob = r.DateOfBirth
	}
	in, f := students.CheckStudent(students.StudentInput{AdmissionNo: st.AdmissionNo, FirstName: r.FirstName,
		MiddleName: r.MiddleName, LastName: r.LastName, Gender: r.Gender, DateOfBirth: dob, Nationality: st.Nationality,
		HomeLanguage: st.HomeLanguage, Address: st.Address, MedicalNotes: st.MedicalNotes, Status: st.Status,
		AdmittedOn: st.AdmittedOn, Guardians: guardianOf(r)}, p.country, p.today)
	if err := f.Err(); err != nil {
		ps.addErr(err)
	}
	e, enrolled := p.enrolled[st.ID]
	if class != nil {
		switch {
		case !enrolled && !students.EnrollableStatus(st.Status):
			ps.add("class", fmt.Sprintf("the student is %s; only active students can be enrolled", st.Status))
		case !enrolled || e.ClassID != class.ID:
			p.room(class, ps)
		}
	}
	if len(ps.list) > 0 || ps.full {
		return
	}

	after := st
	after.FirstName, after.MiddleName, after.LastName, after.Gender = in.FirstName, in.MiddleName, in.LastName, in.Gender
	after.DateOfBirth = sql.NullString{String: in.DateOfBirth, Valid: in.DateOfBirth != ""}
	if bioOf(after) != bioOf(st) {
		p.b.UpdateStudent(tenantdb.StudentsUpdateParams{ID: st.ID, AdmissionNo: st.AdmissionNo, FirstName: after.FirstName,
			MiddleName: after.MiddleName, LastName: after.LastName, Gender: after.Gender, DateOfBirth: after.DateOfBirth,
			Nationality: st.Nationality, HomeLanguage: st.HomeLanguage, Address: st.Address, MedicalNotes: st.MedicalNotes,
			Status: st.Status, AdmittedOn: st.AdmittedOn}, "student.update",
			map[string]any{"id": st.ID, "source": "import", "before": bioOf(st), "after": bioOf(after)})
		p.students[strings.ToLower(st.AdmissionNo)] = after
	}
	if len(in.Guardians) > 0 {
		g := p.guardian(in.Guardians[0].GuardianInput)
		if !p.links[st.ID][g.ID] {
			p.b.Link(after, g, len(p.links[st.ID]) == 0)
			p.links[st.ID][g.ID] = true
		}
	}
	switch {
	case class == nil:
	case !enrolled:
		p.enrolled[st.ID] = p.b.Enroll(after, *class)
		p.active[class.ID]++
	case e.ClassID != class.ID:
		p.b.UpdateEnrollment(after, tenantdb.EnrollmentsUpdateParams{ID: e.ID, ClassID: class.ID, Status: e.Status,
			EnrolledOn: e.EnrolledOn, EndedOn: e.EndedOn}, "enrollment.update", map[string]any{"id": e.ID, "source": "import",
			"before": map[string]any{"class_id": e.ClassID}, "after": map[string]any{"class_id": class.ID}})
		if e.Status == students.EnrollmentActive {
			p.active[e.ClassID]--
			p.active[class.ID]++
		}
		e.ClassID = class.ID
		p.enrolled[st.ID] = e
	}
}

// column names the import column behind a service field ("guardians[0].phone" is
// the guardian_phone column).
func column(field string) string {
	if rest, ok := strings.CutPrefix(field, "guardians[0]."); ok {
		return "guardian_" + rest
	}
	switch field {
	case "student", "guardians":
		return "guardian_name"
	}
	return field
}

// studentBio is the part of a student an import sets, as its audit entries show it.
type studentBio struct {
	FirstName   string `json:"first_name"`
	MiddleName  string `json:"middle_name"`
	LastName    string `json:"last_name"`
	Gender      string `json:"gender"`
	DateOfBirth string `json:"date_of_birth"`
}

func bioOf(s tenantdb.Student) studentBio {
	return studentBio{FirstName: s.FirstName, MiddleName: s.MiddleName, LastName: s.LastName, Gender: s.Gender,
		DateOfBirth: s.DateOfBirth.String}
}
