package academics

import (
	"github.com/schoolsms/sms/app/api"
	"github.com/schoolsms/sms/app/query"
)

// OpenAPI describes the academic structure endpoints (school hosts only). Reads need
// any school role; writes need the admin role.
func OpenAPI(d *api.Doc) {
	const tag = "academics"
	resource := func(path, one, many string, ordering query.Ordering, item, list, create, patch any, filters ...string) {
		d.Add(path+"/", map[string]api.Op{
			"get": {Summary: "List " + many + " (paged)", Tag: tag, Ordering: &ordering,
				Query: append([]string{"page", "page_size", "ordering", "search"}, filters...), Response: list},
			"post": {Summary: "Create " + one + " (admin)", Tag: tag, Status: 201, Body: create, Response: item},
		})
		d.Add(path+"/{id}/", map[string]api.Op{
			"get":    {Summary: "One " + one, Tag: tag, Response: item},
			"patch":  {Summary: "Change " + one + " (admin; only the fields sent)", Tag: tag, Body: patch, Response: item},
			"delete": {Summary: "Delete " + one + " (admin; 409 when other records still need it)", Tag: tag, Status: 204},
		})
	}
	resource("/api/core/sessions", "an academic session", "academic sessions (newest first); exactly one is current",
		sessionOrdering, Session{}, api.List[Session]{}, SessionInput{}, SessionPatch{}, "is_current")
	resource("/api/core/terms", "a term", "terms (inside their session's dates, not overlapping); exactly one is current",
		termOrdering, Term{}, api.List[Term]{}, TermInput{}, TermPatch{}, "session", "is_current")
	resource("/api/core/forms", "a form (grade level)", "forms, lowest level first",
		formOrdering, Form{}, api.List[Form]{}, FormInput{}, FormPatch{})
	resource("/api/core/classes", "a class", "classes with their active student counts",
		classOrdering, Class{}, api.List[Class]{}, ClassInput{}, ClassPatch{}, "session", "form", "class_teacher")
	resource("/api/core/subjects", "a subject", "subjects",
		subjectOrdering, Subject{}, api.List[Subject]{}, SubjectInput{}, SubjectPatch{}, "is_core")
	resource("/api/core/subject-assignments", "a subject assignment", "subject assignments (one teacher per class and subject)",
		assignmentOrdering, Assignment{}, api.List[Assignment]{}, AssignmentInput{}, AssignmentPatch{},
		"teacher", "class", "subject", "session")

	d.Add("/api/core/forms/{id}/subjects/", map[string]api.Op{
		"get": {Summary: "The subjects a form takes (its curriculum)", Tag: tag, Response: Curriculum{}},
		"put": {Summary: "Replace the subjects a form takes (admin)", Tag: tag, Body: CurriculumInput{}, Response: Curriculum{}},
	})
}
