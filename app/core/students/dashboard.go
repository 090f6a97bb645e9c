package students

import (
	"context"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/app/query"
	"github.com/schoolsms/sms/app/web"
)

// ClassCount is how many active students of each gender a class of the current session
// has.
type ClassCount struct {
	ClassID                    int64
	Class, Form                string
	Female, Male, Other, Total int64
}

// ClassCounts are the classes of the current session the viewer may see (a teacher:
// those they lead or teach), lowest form first, with their active students by gender.
func (s Service) ClassCounts(ctx context.Context, v Viewer) ([]ClassCount, error) {
	cur, err := currentSessionID(ctx, s.T.Read())
	if err != nil || cur == 0 {
		return nil, err
	}
	q := `SELECT c.id, c.name, f.name, st.gender, count(st.id) FROM classes c JOIN forms f ON f.id = c.form_id
		LEFT JOIN enrollments e ON e.class_id = c.id AND e.status = 'active'
		LEFT JOIN students st ON st.id = e.student_id
		WHERE c.session_id = ?`
	args := []any{cur}
	if v.Scoped() {
		q += ` AND (c.class_teacher_id = ? OR c.id IN (SELECT class_id FROM subject_assignments WHERE teacher_id = ?))`
		args = append(args, v.TeacherID, v.TeacherID)
	}
	q += ` GROUP BY c.id, st.gender ORDER BY f.level, c.name COLLATE NOCASE, c.id`
	rows, err := s.T.ReadDB().QueryContext(ctx, q, args...)
	if err != nil {
		return nil, errs.Wrap(err, "class counts")
	}
	defer rows.Close()
	var out []ClassCount
	for rows.Next() {
		var id, n int64
		var class, form string
		var gender *string
		if err := rows.Scan(&id, &class, &form, &gender, &n); err != nil {
			return nil, errs.Wrap(err, "class counts")
		}
		if len(out) == 0 || out[len(out)-1].ClassID != id {
			out = append(out, ClassCount{ClassID: id, Class: class, Form: form})
		}
		c := &out[len(out)-1]
		switch {
		case gender == nil:
		case *gender == "female":
			c.Female += n
		case *gender == "male":
			c.Male += n
		default:
			c.Other += n
		}
		c.Total = c.Female + c.Male + c.Other
	}
	return out, errs.Wrap(rows.Err(), "class counts")
}

// studentsCard counts the active students the user sees.
func studentsCard(c *fiber.Ctx) (web.CardView, bool, error) {
	v := ViewerOf(auth.PrincipalOf(c))
	_, n, err := New(web.Tenant(c)).ListStudents(c.UserContext(), v, StudentFilter{Status: StatusActive}, query.Page{Size: 1})
	if err != nil {
		return web.CardView{}, false, err
	}
	card := web.CardView{Label: "Active students", Value: strconv.FormatInt(n, 10), Link: "/students", LinkText: "See the students"}
	if v.Scoped() {
		card.Label, card.Text = "Your students", "in the classes you teach or lead this session"
	}
	return card, true, nil
}

// classesCard is the students of each class by gender (a teacher: of their classes).
func classesCard(c *fiber.Ctx) (web.CardView, bool, error) {
	v := ViewerOf(auth.PrincipalOf(c))
	counts, err := New(web.Tenant(c)).ClassCounts(c.UserContext(), v)
	if err != nil || len(counts) == 0 {
		return web.CardView{}, false, err
	}
	card := web.CardView{Label: "Students by class", Head: []string{"Class", "Girls", "Boys", "Other", "Total"}, Wide: true}
	if v.Scoped() {
		card.Label = "My classes"
	}
	var f, m, o int64
	for _, x := range counts {
		card.Rows = append(card.Rows, web.CardRow{Link: "/students?class=" + web.ID(x.ClassID), Cells: []string{x.Class,
			strconv.FormatInt(x.Female, 10), strconv.FormatInt(x.Male, 10), strconv.FormatInt(x.Other, 10), strconv.FormatInt(x.Total, 10)}})
		f, m, o = f+x.Female, m+x.Male, o+x.Other
	}
	if len(counts) > 1 {
		card.Rows = append(card.Rows, web.CardRow{Cells: []string{"All", strconv.FormatInt(f, 10), strconv.FormatInt(m, 10),
			strconv.FormatInt(o, 10), strconv.FormatInt(f+m+o, 10)}})
	}
	return card, true, nil
}

// applicationsCard counts the applications waiting for a decision or an enrollment.
func applicationsCard(c *fiber.Ctx) (web.CardView, bool, error) {
	v := ViewerOf(auth.PrincipalOf(c))
	if v.Scoped() {
		return web.CardView{}, false, nil // applicants are in no teacher's class
	}
	svc := New(web.Tenant(c))
	_, applied, err := svc.ListAdmissions(c.UserContext(), v, AdmissionFilter{Status: AdmissionApplied}, query.Page{Size: 1})
	if err != nil {
		return web.CardView{}, false, err
	}
	_, accepted, err := svc.ListAdmissions(c.UserContext(), v, AdmissionFilter{Status: AdmissionAccepted}, query.Page{Size: 1})
	if err != nil {
		return web.CardView{}, false, err
	}
	card := web.CardView{Label: "Pending applications", Value: strconv.FormatInt(applied+accepted, 10),
		Text: strconv.FormatInt(applied, 10) + " to decide, " + strconv.FormatInt(accepted, 10) + " accepted to enroll",
		Link: "/admissions?status=applied", LinkText: "See the applications"}
	if applied == 0 && accepted > 0 {
		card.Link = "/admissions?status=accepted"
	}
	return card, true, nil
}

// actionsCard is the office's quick actions.
func actionsCard(*fiber.Ctx) (web.CardView, bool, error) {
	return web.CardView{Label: "Quick actions", Actions: []web.CardLink{{Text: "Add a student", Link: "/students/new", Primary: true},
		{Text: "New application", Link: "/admissions/new"}, {Text: "Import students", Link: "/students/import"}}}, true, nil
}
