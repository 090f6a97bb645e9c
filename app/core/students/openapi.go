package students

import "github.com/schoolsms/sms/app/api"

// OpenAPIPaths describes the student record endpoints (a school's host) as OpenAPI 3.0
// path items.
func OpenAPIPaths() map[string]any {
	const tag = "students"
	form := api.Obj("id:integer", "name:string", "level:integer")
	class := map[string]any{"type": "object", "nullable": true, "properties": map[string]any{
		"id": map[string]any{"type": "integer"}, "name": map[string]any{"type": "string"}, "form": form}}
	ref := api.Obj("id:integer", "admission_no:string", "name:string")
	session := api.Obj("id:integer", "name:string", "is_current:boolean")
	student := api.Obj("id:integer", "admission_no:string", "first_name:string", "middle_name:string", "last_name:string",
		"gender:string", "date_of_birth:string?", "nationality:string", "home_language:string", "address:string",
		"medical_notes:string", "status:string", "admitted_on:string", "created_at:string", "updated_at:string")
	student["properties"].(map[string]any)["current_class"] = class
	enrollment := api.Obj("id:integer", "status:string", "enrolled_on:string", "ended_on:string?", "created_at:string")
	enrollment["properties"].(map[string]any)["student"] = ref
	enrollment["properties"].(map[string]any)["class"] = class
	enrollment["properties"].(map[string]any)["session"] = session
	studentGuardian := api.Obj("id:integer", "name:string", "relationship:string", "phone:string", "email:string",
		"receives_messages:boolean", "is_primary:boolean")
	detail := map[string]any{"allOf": []any{student, map[string]any{"type": "object", "properties": map[string]any{
		"guardians":   map[string]any{"type": "array", "items": studentGuardian},
		"enrollments": map[string]any{"type": "array", "items": enrollment}}}}}
	guardianIn := api.Obj("name:string", "relationship:string?", "phone:string?", "email:string?", "receives_messages:boolean?")
	guardianRef := api.Obj("id:integer?", "name:string?", "relationship:string?", "phone:string?", "email:string?",
		"receives_messages:boolean?", "is_primary:boolean?")
	studentIn := api.Obj("admission_no:string?", "first_name:string", "middle_name:string?", "last_name:string", "gender:string",
		"date_of_birth:string?", "nationality:string?", "home_language:string?", "address:string?", "medical_notes:string?",
		"status:string?", "admitted_on:string?", "class:integer?")
	studentIn["properties"].(map[string]any)["guardians"] = map[string]any{"type": "array", "items": guardianRef}
	studentPatch := api.Obj("admission_no:string?", "first_name:string?", "middle_name:string?", "last_name:string?", "gender:string?",
		"date_of_birth:string?", "nationality:string?", "home_language:string?", "address:string?", "medical_notes:string?",
		"status:string?", "admitted_on:string?")
	guardian := api.Obj("id:integer", "name:string", "relationship:string", "phone:string", "email:string",
		"receives_messages:boolean", "created_at:string", "updated_at:string", "students:array?")
	admission := api.Obj("id:integer", "first_name:string", "middle_name:string", "last_name:string", "gender:string",
		"date_of_birth:string?", "guardian_name:string", "guardian_relationship:string", "guardian_phone:string",
		"guardian_email:string", "status:string", "applied_on:string", "decided_on:string?", "student:integer?",
		"notes:string", "created_at:string", "updated_at:string")
	admission["properties"].(map[string]any)["form"] = form
	admissionFields := []string{"first_name:string", "middle_name:string?", "last_name:string", "gender:string",
		"date_of_birth:string?", "form:integer", "guardian_name:string?", "guardian_relationship:string?",
		"guardian_phone:string?", "guardian_email:string?", "applied_on:string?", "notes:string?"}
	admissionPatch := api.Obj(append(optional(admissionFields), "status:string?")...)
	promotionIn := api.Obj("from_session:integer", "to_session:integer", "overrides:array?")
	promotionIn["properties"].(map[string]any)["overrides"] = map[string]any{"type": "array",
		"items": api.Obj("student:integer", "action:string", "class:integer?")}
	plan := api.Obj("from_session:object", "to_session:object", "students:array", "classes:array", "counts:object", "problems:object")
	pattern := api.Obj("pattern:string", "default:string", "next:string")
	listQuery := []string{"page", "page_size", "class", "form", "session", "status", "search", "ordering"}

	return map[string]any{
		"/api/core/students/": api.Item("/api/core/students/", map[string]api.Op{
			"get": {Summary: "Students (teachers: those of the classes they teach or lead this session). Filters: class, form, " +
				"session (default current for class/form), status, search (every word must be part of a name or of the admission number, in any case); " +
				"ordering: admission_no, last_name, first_name, date_of_birth, created_at (- for descending)", Tag: tag,
				Query: listQuery, Response: api.ListOf(student)},
			"post": {Summary: "Create a student; admission_no is generated from the school's pattern when blank; class enrolls, " +
				"guardians link existing (id) or new guardians (reused by phone)", Tag: tag, Status: 201, Body: studentIn, Response: detail}}),
		"/api/core/students/export/": api.Item("/api/core/students/export/", map[string]api.Op{
			"get": {Summary: "Download the students of the list's filters as CSV or .xlsx (format=csv|xlsx), in the import columns", Tag: tag,
				Query:    []string{"format", "class", "form", "session", "status", "search", "ordering"},
				Response: map[string]any{"type": "string", "format": "binary"}}}),
		"/api/core/students/{id}/": api.Item("/api/core/students/{id}/", map[string]api.Op{
			"get":   {Summary: "A student with guardians, current class and enrollment history", Tag: tag, Response: detail},
			"patch": {Summary: "Change a student's bio or status", Tag: tag, Body: studentPatch, Response: detail},
			"delete": {Summary: "Delete a student never enrolled (204); an enrolled student is withdrawn instead and returned (200)",
				Tag: tag, Status: 204}}),
		"/api/core/students/{id}/guardians/": api.Item("/api/core/students/{id}/guardians/", map[string]api.Op{
			"post": {Summary: "Link a guardian (existing by id, or new; a guardian with the same phone is reused)", Tag: tag,
				Status: 201, Body: guardianRef, Response: detail}}),
		"/api/core/students/{id}/guardians/{guardian}/": api.Item("/api/core/students/{id}/guardians/{guardian}/", map[string]api.Op{
			"delete": {Summary: "Unlink a guardian from a student (the guardian stays)", Tag: tag, Status: 204}}),

		"/api/core/guardians/": api.Item("/api/core/guardians/", map[string]api.Op{
			"get": {Summary: "Guardians (teachers: those of their students). Filters: search, student; ordering: name, created_at", Tag: tag,
				Query: []string{"page", "page_size", "search", "student", "ordering"}, Response: api.ListOf(guardian)},
			"post": {Summary: "Create a guardian; the phone is normalised to E.164 with the school's country and must be unused",
				Tag: tag, Status: 201, Body: guardianIn, Response: guardian}}),
		"/api/core/guardians/{id}/": api.Item("/api/core/guardians/{id}/", map[string]api.Op{
			"get":    {Summary: "A guardian with their students", Tag: tag, Response: guardian},
			"patch":  {Summary: "Change a guardian", Tag: tag, Body: api.Obj(optional([]string{"name:string", "relationship:string", "phone:string", "email:string", "receives_messages:boolean"})...), Response: guardian},
			"delete": {Summary: "Delete a guardian and their links to students", Tag: tag, Status: 204}}),

		"/api/core/admissions/": api.Item("/api/core/admissions/", map[string]api.Op{
			"get": {Summary: "Applications, newest first. Filters: status, form, search; ordering: applied_on, decided_on, " +
				"last_name, first_name, status, created_at (- for descending)", Tag: tag,
				Query: []string{"page", "page_size", "status", "form", "search", "ordering"}, Response: api.ListOf(admission)},
			"post": {Summary: "Record an application (status applied)", Tag: tag, Status: 201, Body: api.Obj(admissionFields...), Response: admission}}),
		"/api/core/admissions/{id}/": api.Item("/api/core/admissions/{id}/", map[string]api.Op{
			"get":    {Summary: "An application", Tag: tag, Response: admission},
			"patch":  {Summary: "Change an application; status moves applied -> accepted or rejected", Tag: tag, Body: admissionPatch, Response: admission},
			"delete": {Summary: "Delete an application that was not enrolled", Tag: tag, Status: 204}}),
		"/api/core/admissions/{id}/enroll/": api.Item("/api/core/admissions/{id}/enroll/", map[string]api.Op{
			"post": {Summary: "Enroll an accepted application: creates the student, guardian and enrollment in one transaction", Tag: tag,
				Status: 201, Body: api.Obj("class:integer", "admission_no:string?"), Response: map[string]any{"type": "object",
					"properties": map[string]any{"admission": admission, "student": detail}}}}),

		"/api/core/enrollments/": api.Item("/api/core/enrollments/", map[string]api.Op{
			"get": {Summary: "Enrollments (teachers: those of their students), newest session first. Filters: student, class, " +
				"session, status, search (student name or admission number); ordering: session, class, admission_no, last_name, " +
				"first_name, enrolled_on, status, created_at (- for descending)", Tag: tag,
				Query: []string{"page", "page_size", "student", "class", "session", "status", "search", "ordering"}, Response: api.ListOf(enrollment)},
			"post": {Summary: "Enroll a student in a class (for the class's session); refuses a full class and a second enrollment in a session",
				Tag: tag, Status: 201, Body: api.Obj("student:integer", "class:integer"), Response: enrollment}}),
		"/api/core/enrollments/{id}/": api.Item("/api/core/enrollments/{id}/", map[string]api.Op{
			"get": {Summary: "An enrollment", Tag: tag, Response: enrollment},
			"patch": {Summary: "Move to another class of the session, or change status / dates", Tag: tag,
				Body: api.Obj("class:integer?", "status:string?", "enrolled_on:string?", "ended_on:string?"), Response: enrollment},
			"delete": {Summary: "End an enrollment (kept as history with status left)", Tag: tag, Response: enrollment}}),

		"/api/core/promotions/preview/": api.Item("/api/core/promotions/preview/", map[string]api.Op{
			"post": {Summary: "Propose each student's move from one session to the next (promote, repeat, graduate), with class loads; writes nothing (admin)",
				Tag: tag, Body: promotionIn, Response: plan}}),
		"/api/core/promotions/commit/": api.Item("/api/core/promotions/commit/", map[string]api.Op{
			"post": {Summary: "Apply a promotion in one transaction, with per-student overrides; refused when a class would exceed capacity (admin)",
				Tag: tag, Body: promotionIn, Response: plan}}),

		"/api/core/settings/admission-number-pattern/": api.Item("/api/core/settings/admission-number-pattern/", map[string]api.Op{
			"get": {Summary: "The admission number pattern ({year}, {yy}, {seq} or {seq:NN}) and the next number it gives", Tag: tag, Response: pattern},
			"put": {Summary: "Change the admission number pattern (admin); it must contain {seq} or {seq:NN}", Tag: tag,
				Body: api.Obj("pattern:string"), Response: pattern}}),
	}
}

// optional marks every "name:type" field optional.
func optional(fields []string) []string {
	out := make([]string, len(fields))
	for i, f := range fields {
		if len(f) > 0 && f[len(f)-1] == '?' {
			out[i] = f
		} else {
			out[i] = f + "?"
		}
	}
	return out
}
