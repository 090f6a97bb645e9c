package students

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/app/web"
)

// A guardian is corrected or removed from the profile of one of their students; the
// student's delete button is on the edit page.

type guardianEditData struct {
	Student  StudentDetail
	Guardian StudentGuardian
	Others   []GuardianStudent // the guardian's other students, whom a change reaches too
}

// studentGuardian is the student and their guardian named in the path (not found when
// the guardian is not the student's).
func (h pages) studentGuardian(c *fiber.Ctx, v *web.View) (StudentDetail, StudentGuardian, error) {
	id, err := web.PathID(c, "student")
	if err != nil {
		return StudentDetail{}, StudentGuardian{}, err
	}
	gid, err := strconv.ParseInt(c.Params("guardian"), 10, 64)
	if err != nil || gid < 1 {
		return StudentDetail{}, StudentGuardian{}, errs.E(errs.NotFound, "there is no such guardian")
	}
	st, err := New(web.Tenant(c)).GetStudent(c.UserContext(), ViewerOf(v.User), id)
	if err != nil {
		return StudentDetail{}, StudentGuardian{}, err
	}
	for _, g := range st.Guardians {
		if g.ID == gid {
			return st, g, nil
		}
	}
	return StudentDetail{}, StudentGuardian{}, errs.E(errs.NotFound, "%s has no such guardian", studentName(st.Student))
}

// guardianEditForm shows a guardian of the student for correcting.
func (h pages) guardianEditForm(c *fiber.Ctx) error {
	v := h.View(c, "Guardian", "students")
	st, g, err := h.studentGuardian(c, v)
	if err != nil {
		return h.Fail(c, err)
	}
	v.Form = map[string]string{"guardian_name": g.Name, "guardian_relationship": g.Relationship, "guardian_phone": g.Phone,
		"guardian_email": g.Email, "receives_messages": "0", "is_primary": "0"}
	if g.ReceivesMessages {
		v.Form["receives_messages"] = "1"
	}
	if g.IsPrimary {
		v.Form["is_primary"] = "1"
	}
	return h.guardianEditPage(c, fiber.StatusOK, v, st, g)
}

func (h pages) guardianEditPage(c *fiber.Ctx, status int, v *web.View, st StudentDetail, g StudentGuardian) error {
	full, err := New(web.Tenant(c)).GetGuardian(c.UserContext(), ViewerOf(v.User), g.ID)
	if err != nil {
		return err
	}
	d := guardianEditData{Student: st, Guardian: g}
	for _, o := range full.Students {
		if o.ID != st.ID {
			d.Others = append(d.Others, o)
		}
	}
	v.Title = g.Name + " · " + studentName(st.Student)
	v.Data = d
	return h.Render(c, status, "student_guardian", v)
}

// guardianUpdate saves the corrected guardian.
func (h pages) guardianUpdate(c *fiber.Ctx) error {
	v := h.View(c, "Guardian", "students")
	st, g, err := h.studentGuardian(c, v)
	if err != nil {
		return h.Fail(c, err)
	}
	v.Form = web.Form(c, newGuardianFields...)
	v.Form["receives_messages"] = web.Checked(c, "receives_messages")
	v.Form["is_primary"] = web.Checked(c, "is_primary")
	receives := v.Form["receives_messages"] == "1"
	p := GuardianPatch{Name: ptr(v.Form["guardian_name"]), Relationship: ptr(v.Form["guardian_relationship"]),
		Phone: ptr(v.Form["guardian_phone"]), Email: ptr(v.Form["guardian_email"]), ReceivesMessages: &receives}
	err = New(web.Tenant(c)).UpdateStudentGuardian(c.UserContext(), st.ID, g.ID, p, v.Form["is_primary"] == "1", auth.MetaFrom(c))
	if err != nil {
		if errs.CodeOf(err) == errs.NotFound {
			return h.Fail(c, err)
		}
		status, ierr := web.FormError(v, errs.RenameFields(err, guardianFieldNames))
		if ierr != nil {
			return ierr
		}
		return h.guardianEditPage(c, status, v, st, g)
	}
	return web.Redirect(c, studentURL(v.Prefix, st.ID, "guardian_saved")+"#guardians")
}

// guardianRemove takes a guardian off the student (the guardian stays for their other
// students).
func (h pages) guardianRemove(c *fiber.Ctx) error {
	v := h.View(c, "Guardian", "students")
	st, g, err := h.studentGuardian(c, v)
	if err != nil {
		return h.Fail(c, err)
	}
	if err := New(web.Tenant(c)).UnlinkGuardian(c.UserContext(), st.ID, g.ID, auth.MetaFrom(c)); err != nil {
		return h.Fail(c, err)
	}
	return web.Redirect(c, studentURL(v.Prefix, st.ID, "guardian_removed")+"#guardians")
}

// studentDelete deletes a student nothing refers to; otherwise the edit page says what
// does.
func (h pages) studentDelete(c *fiber.Ctx) error {
	v := h.View(c, "Edit student", "students")
	st, err := h.studentForEdit(c, v)
	if err != nil {
		return h.Fail(c, err)
	}
	if err := New(web.Tenant(c)).DeleteStudent(c.UserContext(), st.ID, auth.MetaFrom(c)); err != nil {
		e := errs.As(err)
		if e.Code != errs.Conflict {
			return h.Fail(c, err)
		}
		v.Error = web.Sentence(e.Message)
		s := st.Student
		v.Form = map[string]string{"first_name": s.FirstName, "middle_name": s.MiddleName, "last_name": s.LastName,
			"gender": s.Gender, "admission_no": s.AdmissionNo, "admitted_on": s.AdmittedOn, "nationality": s.Nationality,
			"home_language": s.HomeLanguage, "address": s.Address, "medical_notes": s.MedicalNotes, "status": s.Status}
		if s.DateOfBirth != nil {
			v.Form["date_of_birth"] = *s.DateOfBirth
		}
		if s.CurrentClass != nil {
			v.Form["class"] = web.ID(s.CurrentClass.ID)
		}
		return h.studentEditPage(c, web.StatusFor(e), v, st)
	}
	return web.Redirect(c, v.Prefix+"/students?done=student_deleted")
}
