package students

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/mail"
	"strings"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/app/query"
	"github.com/schoolsms/sms/app/text"
	"github.com/schoolsms/sms/db/tenantdb"
)

// Guardian is a guardian as the API shows it; Students is filled on retrieve.
type Guardian struct {
	ID               int64             `json:"id"`
	Name             string            `json:"name"`
	Relationship     string            `json:"relationship"`
	Phone            string            `json:"phone"`
	Email            string            `json:"email"`
	ReceivesMessages bool              `json:"receives_messages"`
	CreatedAt        string            `json:"created_at"`
	UpdatedAt        string            `json:"updated_at"`
	Students         []GuardianStudent `json:"students,omitempty"`
}

// GuardianStudent is a student as a guardian's record shows it.
type GuardianStudent struct {
	StudentRef
	Status    string `json:"status"`
	IsPrimary bool   `json:"is_primary"`
}

func guardianOf(g tenantdb.Guardian) Guardian {
	return Guardian{ID: g.ID, Name: g.Name, Relationship: g.Relationship, Phone: g.Phone, Email: g.Email,
		ReceivesMessages: g.ReceivesMessages, CreatedAt: g.CreatedAt, UpdatedAt: g.UpdatedAt}
}

func guardianData(g tenantdb.Guardian) map[string]any {
	return map[string]any{"name": g.Name, "relationship": g.Relationship, "phone": g.Phone, "email": g.Email,
		"receives_messages": g.ReceivesMessages}
}

func guardianTarget(g tenantdb.Guardian) string { return fmt.Sprintf("guardian:%d %s", g.ID, g.Name) }

// GuardianInput is what creating a guardian takes. Phone is normalised to E.164 with the
// school's country; ReceivesMessages defaults to true.
type GuardianInput struct {
	Name             string `json:"name"`
	Relationship     string `json:"relationship"`
	Phone            string `json:"phone"`
	Email            string `json:"email"`
	ReceivesMessages *bool  `json:"receives_messages"`
}

// check validates and normalises the input for a school in country.
func (in GuardianInput) check(country string) (GuardianInput, errs.Fields) {
	f := errs.Fields{}
	in.Name = cleanText(f, "name", in.Name, 200, true)
	in.Relationship = cleanText(f, "relationship", in.Relationship, 50, false)
	phone, err := NormalizePhone(country, in.Phone)
	if err != nil {
		f.Add("phone", err.Error())
	}
	in.Phone = phone
	in.Email = checkEmail(f, "email", in.Email)
	return in, f
}

func checkEmail(f errs.Fields, field, e string) string {
	e, msg := text.Line(e, 254)
	if msg != "" {
		f.Add(field, msg)
		return e
	}
	if e == "" {
		return ""
	}
	a, err := mail.ParseAddress(e)
	if err != nil || a.Address != e || !strings.Contains(e[strings.IndexByte(e, '@')+1:], ".") || len(e) > 254 {
		f.Add(field, "must be an email address like name@example.com")
		return e
	}
	return strings.ToLower(e)
}

func phoneConflict(field string, g tenantdb.Guardian) error {
	return &errs.Error{Code: errs.Conflict, Message: fmt.Sprintf("%s is already the phone of guardian %d (%s)", g.Phone, g.ID, g.Name),
		Fields: map[string]string{field: fmt.Sprintf("is already the phone of guardian %d (%s); link that guardian instead", g.ID, g.Name)}}
}

// CreateGuardian adds a guardian inside the caller's transaction. A phone number already
// used by another guardian is a Conflict on phone: a phone is a guardian's identity for
// messages.
func CreateGuardian(ctx context.Context, q *tenantdb.Queries, in GuardianInput, meta auth.Meta) (tenantdb.Guardian, error) {
	country, err := SchoolCountry(ctx, q)
	if err != nil {
		return tenantdb.Guardian{}, err
	}
	in, f := in.check(country)
	if err := f.Err(); err != nil {
		return tenantdb.Guardian{}, err
	}
	if in.Phone != "" {
		same, err := q.GuardiansByPhone(ctx, in.Phone)
		if err != nil {
			return tenantdb.Guardian{}, errs.Wrap(err, "guardian by phone")
		}
		if len(same) > 0 {
			return tenantdb.Guardian{}, phoneConflict("phone", same[0])
		}
	}
	return insertGuardian(ctx, q, in, meta)
}

func insertGuardian(ctx context.Context, q *tenantdb.Queries, in GuardianInput, meta auth.Meta) (tenantdb.Guardian, error) {
	receives := true
	if in.ReceivesMessages != nil {
		receives = *in.ReceivesMessages
	}
	g, err := q.GuardiansCreate(ctx, tenantdb.GuardiansCreateParams{Name: in.Name, Relationship: in.Relationship,
		Phone: in.Phone, Email: in.Email, ReceivesMessages: receives})
	if err != nil {
		return tenantdb.Guardian{}, errs.Wrap(err, "create guardian")
	}
	return g, audit(ctx, q, meta, "guardian.create", guardianTarget(g), map[string]any{"id": g.ID, "after": guardianData(g)})
}

// FindOrCreateGuardian returns the guardian with the input's (normalised) phone number
// when there is one, else creates it; created tells which. Runs inside the caller's
// transaction. The existing guardian's details are not changed.
func FindOrCreateGuardian(ctx context.Context, q *tenantdb.Queries, in GuardianInput, meta auth.Meta) (g tenantdb.Guardian, created bool, err error) {
	country, err := SchoolCountry(ctx, q)
	if err != nil {
		return tenantdb.Guardian{}, false, err
	}
	in, f := in.check(country)
	if err := f.Err(); err != nil {
		return tenantdb.Guardian{}, false, err
	}
	if in.Phone != "" {
		same, err := q.GuardiansByPhone(ctx, in.Phone)
		if err != nil {
			return tenantdb.Guardian{}, false, errs.Wrap(err, "guardian by phone")
		}
		if len(same) > 0 {
			return same[0], false, nil
		}
	}
	g, err = insertGuardian(ctx, q, in, meta)
	return g, err == nil, err
}

// LinkGuardian links a guardian to a student inside the caller's transaction (updating
// is_primary when they are linked already). A student's first guardian becomes the
// primary one; making a guardian primary makes the others not.
func LinkGuardian(ctx context.Context, q *tenantdb.Queries, studentID, guardianID int64, isPrimary bool, meta auth.Meta) error {
	st, err := q.StudentsGet(ctx, studentID)
	if errors.Is(err, sql.ErrNoRows) {
		return errs.Field("student", fmt.Sprintf("no student with id %d", studentID))
	}
	if err != nil {
		return errs.Wrap(err, "get student")
	}
	g, err := q.GuardiansGet(ctx, guardianID)
	if errors.Is(err, sql.ErrNoRows) {
		return errs.Field("id", fmt.Sprintf("no guardian with id %d", guardianID))
	}
	if err != nil {
		return errs.Wrap(err, "get guardian")
	}
	n, err := q.GuardiansCountLinks(ctx, studentID)
	if err != nil {
		return errs.Wrap(err, "count guardians")
	}
	_, linkErr := q.GuardiansGetLink(ctx, tenantdb.GuardiansGetLinkParams{StudentID: studentID, GuardianID: guardianID})
	already := linkErr == nil
	if linkErr != nil && !errors.Is(linkErr, sql.ErrNoRows) {
		return errs.Wrap(linkErr, "get link")
	}
	if n == 0 || (n == 1 && already) {
		isPrimary = true
	}
	if err := q.GuardiansLink(ctx, tenantdb.GuardiansLinkParams{StudentID: studentID, GuardianID: guardianID, IsPrimary: isPrimary}); err != nil {
		return errs.Wrap(err, "link guardian")
	}
	if isPrimary {
		if err := q.GuardiansClearPrimary(ctx, tenantdb.GuardiansClearPrimaryParams{StudentID: studentID, GuardianID: guardianID}); err != nil {
			return errs.Wrap(err, "primary guardian")
		}
	}
	return audit(ctx, q, meta, "guardian.link", target(st), map[string]any{"student_id": studentID, "guardian_id": g.ID,
		"guardian": g.Name, "is_primary": isPrimary, "was_linked": already})
}

// GuardianFilter narrows a guardian list: Search matches every word against name,
// phone and email; Student keeps the guardians of one student. Order comes from
// GuardianOrdering; the zero Order is by name.
type GuardianFilter struct {
	Search  string
	Student int64
	Order   query.Order
}

// GuardianOrdering is what a guardian list can be ordered by.
var GuardianOrdering = query.NewOrdering(map[string]string{"name": "g.name COLLATE NOCASE", "created_at": "g.created_at"}, "name")

var guardianView = query.View[Guardian]{
	Cols: "g.id, g.name, g.relationship, g.phone, g.email, g.receives_messages, g.created_at, g.updated_at",
	From: "guardians g",
	ID:   "g.id",
	Scan: func(r query.Scanner) (Guardian, error) {
		var g Guardian
		err := r.Scan(&g.ID, &g.Name, &g.Relationship, &g.Phone, &g.Email, &g.ReceivesMessages, &g.CreatedAt, &g.UpdatedAt)
		return g, err
	},
}

// ListGuardians returns a page of the guardians the viewer may see (a teacher: the
// guardians of their students) and their total.
func (s Service) ListGuardians(ctx context.Context, v Viewer, f GuardianFilter, page query.Page) (out []Guardian, n int64, err error) {
	err = s.T.ReadTx(ctx, func(q *tenantdb.Queries, d tenantdb.DBTX) error {
		cur, err := currentSessionID(ctx, q)
		if err != nil {
			return err
		}
		var w query.Where
		if v.Scoped() {
			var inner query.Where
			visibleTo(&inner, v, cur, "vsg.student_id")
			w.Add("EXISTS (SELECT 1 FROM student_guardians vsg WHERE vsg.guardian_id = g.id AND "+inner.Expr()+")", inner.Args()...)
		}
		if f.Student > 0 {
			w.Add("EXISTS (SELECT 1 FROM student_guardians fsg WHERE fsg.guardian_id = g.id AND fsg.student_id = ?)", f.Student)
		}
		w.Search(f.Search, "g.name", "g.phone", "g.email")
		out, n, err = guardianView.ListIn(ctx, d, w, f.Order.Or(GuardianOrdering.Default()), page)
		return err
	})
	return out, n, errs.Wrap(err, "list guardians")
}

// GetGuardian returns a guardian with their students (a teacher sees only guardians of
// their students, and only those students).
func (s Service) GetGuardian(ctx context.Context, v Viewer, id int64) (Guardian, error) {
	q := s.T.Read()
	g, err := q.GuardiansGet(ctx, id)
	if errors.Is(err, sql.ErrNoRows) {
		return Guardian{}, notFound("guardian", id)
	}
	if err != nil {
		return Guardian{}, errs.Wrap(err, "get guardian")
	}
	rows, err := q.GuardiansStudents(ctx, id)
	if err != nil {
		return Guardian{}, errs.Wrap(err, "guardian students")
	}
	out := guardianOf(g)
	out.Students = []GuardianStudent{}
	for _, r := range rows {
		ok, err := canSee(ctx, q, v, r.ID)
		if err != nil {
			return Guardian{}, err
		}
		if ok {
			out.Students = append(out.Students, GuardianStudent{StudentRef: StudentRef{ID: r.ID, AdmissionNo: r.AdmissionNo,
				Name: fullName(r.FirstName, r.MiddleName, r.LastName)}, Status: r.Status, IsPrimary: r.IsPrimary})
		}
	}
	if v.Scoped() && len(out.Students) == 0 {
		return Guardian{}, notFound("guardian", id)
	}
	return out, nil
}

// CreateGuardian adds a guardian in its own transaction.
func (s Service) CreateGuardian(ctx context.Context, in GuardianInput, meta auth.Meta) (Guardian, error) {
	var id int64
	err := s.T.Tx(ctx, func(q *tenantdb.Queries, _ *sql.Tx) error {
		g, err := CreateGuardian(ctx, q, in, meta)
		id = g.ID
		return err
	})
	if err != nil {
		return Guardian{}, err
	}
	return s.GetGuardian(ctx, Viewer{}, id)
}

// GuardianPatch is a partial update of a guardian; nil fields stay as they are.
type GuardianPatch struct {
	Name             *string `json:"name"`
	Relationship     *string `json:"relationship"`
	Phone            *string `json:"phone"`
	Email            *string `json:"email"`
	ReceivesMessages *bool   `json:"receives_messages"`
}

// UpdateGuardian applies a patch; a phone number another guardian has is a Conflict.
func (s Service) UpdateGuardian(ctx context.Context, id int64, p GuardianPatch, meta auth.Meta) (Guardian, error) {
	err := s.T.Tx(ctx, func(q *tenantdb.Queries, _ *sql.Tx) error { return updateGuardian(ctx, q, id, p, meta) })
	if err != nil {
		return Guardian{}, err
	}
	return s.GetGuardian(ctx, Viewer{}, id)
}

// UpdateStudentGuardian corrects a guardian of a student (their details, and whether
// they are the student's primary contact) in one transaction. A guardian not linked to
// the student is not found: the student's page edits only its own guardians.
func (s Service) UpdateStudentGuardian(ctx context.Context, studentID, guardianID int64, p GuardianPatch, isPrimary bool, meta auth.Meta) error {
	return s.T.Tx(ctx, func(q *tenantdb.Queries, _ *sql.Tx) error {
		link, err := q.GuardiansGetLink(ctx, tenantdb.GuardiansGetLinkParams{StudentID: studentID, GuardianID: guardianID})
		if errors.Is(err, sql.ErrNoRows) {
			return errs.E(errs.NotFound, "the student has no such guardian")
		}
		if err != nil {
			return errs.Wrap(err, "get link")
		}
		if err := updateGuardian(ctx, q, guardianID, p, meta); err != nil {
			return err
		}
		if isPrimary == link.IsPrimary {
			return nil
		}
		if !isPrimary {
			// Someone has to be the primary contact: another guardian is made primary by
			// ticking it there, which clears this one.
			n, err := q.GuardiansCountLinks(ctx, studentID)
			if err != nil {
				return errs.Wrap(err, "count guardians")
			}
			if n > 1 {
				return errs.Field("is_primary", "To change the primary contact, edit the guardian who should be it")
			}
			return nil
		}
		return LinkGuardian(ctx, q, studentID, guardianID, true, meta)
	})
}

func updateGuardian(ctx context.Context, q *tenantdb.Queries, id int64, p GuardianPatch, meta auth.Meta) error {
	cur, err := q.GuardiansGet(ctx, id)
	if errors.Is(err, sql.ErrNoRows) {
		return notFound("guardian", id)
	}
	if err != nil {
		return errs.Wrap(err, "get guardian")
	}
	country, err := SchoolCountry(ctx, q)
	if err != nil {
		return err
	}
	in := GuardianInput{Name: cur.Name, Relationship: cur.Relationship, Phone: cur.Phone, Email: cur.Email}
	set(&in.Name, p.Name)
	set(&in.Relationship, p.Relationship)
	set(&in.Phone, p.Phone)
	set(&in.Email, p.Email)
	receives := cur.ReceivesMessages
	if p.ReceivesMessages != nil {
		receives = *p.ReceivesMessages
	}
	// The stored number is already normalised: kept (or sent back unchanged by a form)
	// it stays as it is, even one stored under older, looser rules.
	keep := p.Phone == nil || strings.TrimSpace(*p.Phone) == cur.Phone
	if keep {
		in.Phone = ""
	}
	in, f := in.check(country)
	if keep {
		in.Phone = cur.Phone
	}
	if err := f.Err(); err != nil {
		return err
	}
	if in.Phone != "" && in.Phone != cur.Phone {
		same, err := q.GuardiansByPhone(ctx, in.Phone)
		if err != nil {
			return errs.Wrap(err, "guardian by phone")
		}
		for _, o := range same {
			if o.ID != id {
				return phoneConflict("phone", o)
			}
		}
	}
	row, err := q.GuardiansUpdate(ctx, tenantdb.GuardiansUpdateParams{ID: id, Name: in.Name, Relationship: in.Relationship,
		Phone: in.Phone, Email: in.Email, ReceivesMessages: receives})
	if err != nil {
		return errs.Wrap(err, "update guardian")
	}
	return audit(ctx, q, meta, "guardian.update", guardianTarget(row), map[string]any{"id": id,
		"before": guardianData(cur), "after": guardianData(row)})
}

// DeleteGuardian removes a guardian and their links to students.
func (s Service) DeleteGuardian(ctx context.Context, id int64, meta auth.Meta) error {
	return s.T.Tx(ctx, func(q *tenantdb.Queries, _ *sql.Tx) error {
		cur, err := q.GuardiansGet(ctx, id)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("guardian", id)
		}
		if err != nil {
			return errs.Wrap(err, "get guardian")
		}
		students, err := q.GuardiansStudents(ctx, id)
		if err != nil {
			return errs.Wrap(err, "guardian students")
		}
		var ids []int64
		for _, st := range students {
			ids = append(ids, st.ID)
		}
		if _, err := q.GuardiansDelete(ctx, id); err != nil {
			return errs.Wrap(err, "delete guardian")
		}
		return audit(ctx, q, meta, "guardian.delete", guardianTarget(cur), map[string]any{"id": id,
			"before": guardianData(cur), "student_ids": ids})
	})
}

// LinkGuardian links an existing guardian (ref.ID) or a new one (reusing a guardian
// with the same phone) to a student, in one transaction, and returns the student.
func (s Service) LinkGuardian(ctx context.Context, studentID int64, ref GuardianRef, meta auth.Meta) (StudentDetail, error) {
	err := s.T.Tx(ctx, func(q *tenantdb.Queries, _ *sql.Tx) error {
		if _, err := q.StudentsGet(ctx, studentID); errors.Is(err, sql.ErrNoRows) {
			return notFound("student", studentID)
		} else if err != nil {
			return errs.Wrap(err, "get student")
		}
		gid := ref.ID
		if gid > 0 && ref.GuardianInput != (GuardianInput{}) {
			return errs.Field("id", "give either the id of an existing guardian or the details of a new one, not both")
		}
		if gid <= 0 {
			g, _, err := FindOrCreateGuardian(ctx, q, ref.GuardianInput, meta)
			if err != nil {
				return err
			}
			gid = g.ID
		}
		return LinkGuardian(ctx, q, studentID, gid, ref.IsPrimary, meta)
	})
	if err != nil {
		return StudentDetail{}, err
	}
	return studentDetail(ctx, s.T.ReadDB(), s.T.Read(), studentID)
}

// UnlinkGuardian removes the link between a student and a guardian (the guardian stays).
// When the primary guardian is unlinked, the next remaining one becomes primary.
func (s Service) UnlinkGuardian(ctx context.Context, studentID, guardianID int64, meta auth.Meta) error {
	return s.T.Tx(ctx, func(q *tenantdb.Queries, _ *sql.Tx) error {
		st, err := q.StudentsGet(ctx, studentID)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("student", studentID)
		}
		if err != nil {
			return errs.Wrap(err, "get student")
		}
		link, err := q.GuardiansGetLink(ctx, tenantdb.GuardiansGetLinkParams{StudentID: studentID, GuardianID: guardianID})
		if errors.Is(err, sql.ErrNoRows) {
			return errs.E(errs.NotFound, "guardian %d is not linked to student %d", guardianID, studentID)
		}
		if err != nil {
			return errs.Wrap(err, "get link")
		}
		if _, err := q.GuardiansUnlink(ctx, tenantdb.GuardiansUnlinkParams{StudentID: studentID, GuardianID: guardianID}); err != nil {
			return errs.Wrap(err, "unlink guardian")
		}
		if link.IsPrimary {
			rest, err := q.StudentsGuardians(ctx, studentID)
			if err != nil {
				return errs.Wrap(err, "student guardians")
			}
			if len(rest) > 0 {
				if err := q.GuardiansLink(ctx, tenantdb.GuardiansLinkParams{StudentID: studentID, GuardianID: rest[0].ID, IsPrimary: true}); err != nil {
					return errs.Wrap(err, "primary guardian")
				}
			}
		}
		return audit(ctx, q, meta, "guardian.unlink", target(st), map[string]any{"student_id": studentID,
			"guardian_id": guardianID, "was_primary": link.IsPrimary})
	})
}

// PrimaryPhones are the phone numbers of the primary guardians of students ids (those
// with one), for a page of a list.
func (s Service) PrimaryPhones(ctx context.Context, ids []int64) (map[int64]string, error) {
	out := map[int64]string{}
	if len(ids) == 0 {
		return out, nil
	}
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	rows, err := s.T.ReadDB().QueryContext(ctx, `SELECT sg.student_id, g.phone FROM student_guardians sg
		JOIN guardians g ON g.id = sg.guardian_id
		WHERE sg.is_primary AND g.phone <> '' AND sg.student_id IN (?`+strings.Repeat(",?", len(ids)-1)+`)`, args...)
	if err != nil {
		return nil, errs.Wrap(err, "guardian phones")
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var phone string
		if err := rows.Scan(&id, &phone); err != nil {
			return nil, errs.Wrap(err, "guardian phones")
		}
		out[id] = phone
	}
	return out, errs.Wrap(rows.Err(), "guardian phones")
}
