package academics

import "github.com/schoolsms/sms/app/api"

// OpenAPIPaths describes the academic structure endpoints (school hosts only). Reads need
// any school role; writes need the admin role.
func OpenAPIPaths() map[string]any {
	const tag = "academics"
	listQuery := func(filters ...string) []string {
		return append([]string{"page", "page_size", "ordering", "search"}, filters...)
	}
	paths := map[string]any{}
	resource := func(path, one, many string, item, create, patch map[string]any, filters ...string) {
		paths[path+"/"] = api.Item(path+"/", map[string]api.Op{
			"get":  {Summary: "List " + many + " (paged)", Tag: tag, Query: listQuery(filters...), Response: api.ListOf(item)},
			"post": {Summary: "Create " + one + " (admin)", Tag: tag, Status: 201, Body: create, Response: item},
		})
		paths[path+"/{id}/"] = api.Item(path+"/{id}/", map[string]api.Op{
			"get":    {Summary: "One " + one, Tag: tag, Response: item},
			"patch":  {Summary: "Change " + one + " (admin; only the fields sent)", Tag: tag, Body: patch, Response: item},
			"delete": {Summary: "Delete " + one + " (admin; 409 when other records still need it)", Tag: tag, Status: 204},
		})
	}

	session := api.Obj("id:integer", "name:string", "start_date:string", "end_date:string", "is_current:boolean",
		"created_at:string", "updated_at:string")
	resource("/api/core/sessions", "an academic session", "academic sessions (newest first); exactly one is current",
		session,
		api.Obj("name:string", "start_date:string", "end_date:string", "is_current:boolean?"),
		api.Obj("name:string?", "start_date:string?", "end_date:string?", "is_current:boolean?"),
		"is_current")

	term := api.Obj("id:integer", "session:integer", "session_name:string", "name:string", "start_date:string",
		"end_date:string", "next_term_begins:string?", "is_current:boolean", "created_at:string", "updated_at:string")
	resource("/api/core/terms", "a term", "terms (inside their session's dates, not overlapping); exactly one is current",
		term,
		api.Obj("session:integer", "name:string", "start_date:string", "end_date:string", "next_term_begins:string?", "is_current:boolean?"),
		api.Obj("session:integer?", "name:string?", "start_date:string?", "end_date:string?", "next_term_begins:string?", "is_current:boolean?"),
		"session", "is_current")

	form := api.Obj("id:integer", "name:string", "level:integer", "level_block:string", "created_at:string", "updated_at:string")
	resource("/api/core/forms", "a form (grade level)", "forms, lowest level first",
		form,
		api.Obj("name:string", "level:integer", "level_block:string?"),
		api.Obj("name:string?", "level:integer?", "level_block:string?"))

	class := api.Obj("id:integer", "form:integer", "form_name:string", "form_level:integer", "session:integer",
		"session_name:string", "name:string", "class_teacher:integer?", "class_teacher_name:string?", "capacity:integer?",
		"student_count:integer", "created_at:string", "updated_at:string")
	resource("/api/core/classes", "a class", "classes with their active student counts",
		class,
		api.Obj("form:integer", "session:integer?", "name:string", "class_teacher:integer?", "capacity:integer?"),
		api.Obj("form:integer?", "session:integer?", "name:string?", "class_teacher:integer?", "capacity:integer?"),
		"session", "form", "class_teacher")

	subject := api.Obj("id:integer", "code:string", "name:string", "is_core:boolean", "created_at:string", "updated_at:string")
	resource("/api/core/subjects", "a subject", "subjects",
		subject,
		api.Obj("code:string", "name:string", "is_core:boolean?"),
		api.Obj("code:string?", "name:string?", "is_core:boolean?"),
		"is_core")

	assignment := api.Obj("id:integer", "teacher:integer", "teacher_name:string", "class:integer", "class_name:string",
		"session:integer", "session_name:string", "subject:integer", "subject_code:string", "subject_name:string", "created_at:string")
	resource("/api/core/subject-assignments", "a subject assignment", "subject assignments (one teacher per class and subject)",
		assignment,
		api.Obj("teacher:integer", "class:integer", "subject:integer"),
		api.Obj("teacher:integer?", "class:integer?", "subject:integer?"),
		"teacher", "class", "subject", "session")

	curriculum := api.Obj("form:integer", "form_name:string", "subjects:array")
	paths["/api/core/forms/{id}/subjects/"] = api.Item("/api/core/forms/{id}/subjects/", map[string]api.Op{
		"get": {Summary: "The subjects a form takes (its curriculum)", Tag: tag, Response: curriculum},
		"put": {Summary: "Replace the subjects a form takes (admin)", Tag: tag, Body: api.Obj("subjects:array"), Response: curriculum},
	})
	return paths
}
