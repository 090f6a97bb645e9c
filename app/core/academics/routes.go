// Package academics owns a school's academic structure: sessions, terms, forms, classes,
// subjects, the curriculum and who teaches what.
package academics

import (
	"github.com/gofiber/fiber/v2"

	"github.com/schoolsms/sms/app/api/handler"
	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/errs"
)

// Routes registers /api/core/{sessions,terms,forms,classes,subjects,subject-assignments}/
// and /api/core/forms/:id/subjects/ on a school's routes. Reading needs
// ReadAcademics, changing WriteAcademics.
func Routes(r fiber.Router) {
	read, write := auth.Require(Read), auth.Require(Write)
	crud := func(path string, list, create, get, update, remove fiber.Handler) {
		r.Get(path, read, list)
		r.Post(path, write, create)
		r.Get(path+"/:id", read, get)
		r.Patch(path+"/:id", write, update)
		r.Delete(path+"/:id", write, remove)
	}
	crud("/api/core/sessions", handler.List(New, sessionFilter, Service.ListSessions),
		handler.Create(New, Service.CreateSession), handler.Get(New, Service.Session),
		handler.Update(New, Service.UpdateSession), handler.Remove(New, Service.DeleteSession))
	crud("/api/core/terms", handler.List(New, termFilter, Service.ListTerms),
		handler.Create(New, Service.CreateTerm), handler.Get(New, Service.Term),
		handler.Update(New, Service.UpdateTerm), handler.Remove(New, Service.DeleteTerm))
	crud("/api/core/forms", handler.List(New, formFilter, Service.ListForms),
		handler.Create(New, Service.CreateForm), handler.Get(New, Service.Form),
		handler.Update(New, Service.UpdateForm), handler.Remove(New, Service.DeleteForm))
	crud("/api/core/classes", handler.List(New, classFilter, Service.ListClasses),
		handler.Create(New, Service.CreateClass), handler.Get(New, Service.Class),
		handler.Update(New, Service.UpdateClass), handler.Remove(New, Service.DeleteClass))
	crud("/api/core/subjects", handler.List(New, subjectFilter, Service.ListSubjects),
		handler.Create(New, Service.CreateSubject), handler.Get(New, Service.Subject),
		handler.Update(New, Service.UpdateSubject), handler.Remove(New, Service.DeleteSubject))
	crud("/api/core/subject-assignments", handler.List(New, assignmentFilter, Service.ListAssignments),
		handler.Create(New, Service.AssignSubject), handler.Get(New, Service.Assignment),
		handler.Update(New, Service.UpdateAssignment), handler.Remove(New, Service.DeleteAssignment))

	r.Get("/api/core/forms/:id/subjects", read, handler.Get(New, Service.Curriculum))
	r.Put("/api/core/forms/:id/subjects", write, setCurriculum)
}

func sessionFilter(q *handler.Query) SessionFilter {
	return SessionFilter{Search: q.String("search"), Current: q.Bool("is_current"), Order: q.Order(sessionOrdering)}
}

func termFilter(q *handler.Query) TermFilter {
	return TermFilter{SessionID: q.ID("session"), Search: q.String("search"), Current: q.Bool("is_current"),
		Order: q.Order(termOrdering)}
}

func formFilter(q *handler.Query) FormFilter {
	return FormFilter{Search: q.String("search"), Order: q.Order(formOrdering)}
}

func classFilter(q *handler.Query) ClassFilter {
	return ClassFilter{SessionID: q.ID("session"), FormID: q.ID("form"), ClassTeacherID: q.ID("class_teacher"),
		Search: q.String("search"), Order: q.Order(classOrdering)}
}

func subjectFilter(q *handler.Query) SubjectFilter {
	return SubjectFilter{Search: q.String("search"), Core: q.Bool("is_core"), Order: q.Order(subjectOrdering)}
}

func assignmentFilter(q *handler.Query) AssignmentFilter {
	return AssignmentFilter{TeacherID: q.ID("teacher"), ClassID: q.ID("class"), SubjectID: q.ID("subject"),
		SessionID: q.ID("session"), Search: q.String("search"), Order: q.Order(assignmentOrdering)}
}

// CurriculumInput replaces the subjects a form takes.
type CurriculumInput struct {
	Subjects *[]int64 `json:"subjects"`
}

func setCurriculum(c *fiber.Ctx) error {
	id, err := handler.ID(c, "id")
	if err != nil {
		return err
	}
	in, err := handler.Body[CurriculumInput](c)
	if err != nil {
		return err
	}
	if in.Subjects == nil {
		return errs.Field("subjects", "is required: the list of subject ids the form takes ([] for none)")
	}
	out, err := handler.Service(c, New).SetCurriculum(c.UserContext(), id, *in.Subjects, handler.Meta(c))
	if err != nil {
		return err
	}
	return c.JSON(out)
}
