package students

import "github.com/schoolsms/sms/app/api"

// OpenAPI describes the student record endpoints (a school's host).
func OpenAPI(d *api.Doc) {
	const tag = "students"
	filters := []string{"class", "form", "session", "status", "search", "ordering"}
	d.Add("/api/core/students/", map[string]api.Op{
		"get": {Summary: "Students (teachers: those of the classes they teach or lead this session). Filters: class, form, " +
			"session (default current for class/form), status, search (every word must be part of a name or of the admission " +
			"number, in any case)", Tag: tag, Query: append([]string{"page", "page_size"}, filters...), Ordering: &StudentOrdering,
			Response: api.List[Student]{}},
		"post": {Summary: "Create a student; admission_no is generated from the school's pattern when blank; class enrolls, " +
			"guardians link existing (id) or new guardians (reused by phone)", Tag: tag, Status: 201, Body: StudentInput{},
			Response: StudentDetail{}}})
	d.Add("/api/core/students/export/", map[string]api.Op{
		"get": {Summary: "Download the students of the list's filters as CSV or .xlsx (format=csv|xlsx), in the import columns",
			Tag: tag, Query: append([]string{"format"}, filters...), Ordering: &StudentOrdering,
			ResponseContent: map[string]any{
				"text/csv": map[string]any{"schema": map[string]any{"type": "string"}},
				"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": map[string]any{
					"schema": map[string]any{"type": "string", "format": "binary"}}}}})
	d.Add("/api/core/students/{id}/", map[string]api.Op{
		"get":   {Summary: "A student with guardians, current class and enrollment history", Tag: tag, Response: StudentDetail{}},
		"patch": {Summary: "Change a student's bio or status", Tag: tag, Body: StudentPatch{}, Response: StudentDetail{}},
		"delete": {Summary: "Delete a student nothing refers to, with their guardian links (204); one with enrollments, attendance, scores or an admission is 409 conflict listing them (withdraw by setting the status)",
			Tag: tag, Status: 204}})
	d.Add("/api/core/students/{id}/guardians/", map[string]api.Op{
		"post": {Summary: "Link a guardian (existing by id, or new; a guardian with the same phone is reused)", Tag: tag,
			Status: 201, Body: GuardianRef{}, Response: StudentDetail{}}})
	d.Add("/api/core/students/{id}/guardians/{guardian}/", map[string]api.Op{
		"delete": {Summary: "Unlink a guardian from a student (the guardian stays)", Tag: tag, Status: 204}})

	d.Add("/api/core/guardians/", map[string]api.Op{
		"get": {Summary: "Guardians (teachers: those of their students). Filters: search, student", Tag: tag,
			Query: []string{"page", "page_size", "search", "student", "ordering"}, Ordering: &GuardianOrdering,
			Response: api.List[Guardian]{}},
		"post": {Summary: "Create a guardian; the phone is normalised to E.164 with the school's country and must be unused",
			Tag: tag, Status: 201, Body: GuardianInput{}, Response: Guardian{}}})
	d.Add("/api/core/guardians/{id}/", map[string]api.Op{
		"get":    {Summary: "A guardian with their students", Tag: tag, Response: Guardian{}},
		"patch":  {Summary: "Change a guardian", Tag: tag, Body: GuardianPatch{}, Response: Guardian{}},
		"delete": {Summary: "Delete a guardian and their links to students", Tag: tag, Status: 204}})

	d.Add("/api/core/admissions/", map[string]api.Op{
		"get": {Summary: "Applications, newest first. Filters: status, form, search", Tag: tag,
			Query: []string{"page", "page_size", "status", "form", "search", "ordering"}, Ordering: &AdmissionOrdering,
			Response: api.List[Admission]{}},
		"post": {Summary: "Record an application (status applied)", Tag: tag, Status: 201, Body: AdmissionInput{}, Response: Admission{}}})
	d.Add("/api/core/admissions/{id}/", map[string]api.Op{
		"get": {Summary: "An application", Tag: tag, Response: Admission{}},
		"patch": {Summary: "Change an application; status moves applied -> accepted or rejected", Tag: tag, Body: AdmissionPatch{},
			Response: Admission{}},
		"delete": {Summary: "Delete an application that was not enrolled", Tag: tag, Status: 204}})
	d.Add("/api/core/admissions/{id}/enroll/", map[string]api.Op{
		"post": {Summary: "Enroll an accepted application: creates the student, guardian and enrollment in one transaction", Tag: tag,
			Status: 201, Body: EnrollAdmissionInput{}, Response: EnrolledAdmission{}}})

	d.Add("/api/core/enrollments/", map[string]api.Op{
		"get": {Summary: "Enrollments (teachers: those of their students), newest session first. Filters: student, class, " +
			"session, status, search (student name or admission number)", Tag: tag,
			Query:    []string{"page", "page_size", "student", "class", "session", "status", "search", "ordering"},
			Ordering: &EnrollmentOrdering, Response: api.List[Enrollment]{}},
		"post": {Summary: "Enroll a student in a class (for the class's session); refuses a full class and a second enrollment in a session",
			Tag: tag, Status: 201, Body: EnrollmentInput{}, Response: Enrollment{}}})
	d.Add("/api/core/enrollments/{id}/", map[string]api.Op{
		"get": {Summary: "An enrollment", Tag: tag, Response: Enrollment{}},
		"patch": {Summary: "Move to another class of the session, or change status / dates", Tag: tag, Body: EnrollmentPatch{},
			Response: Enrollment{}},
		"delete": {Summary: "End an enrollment (kept as history with status left)", Tag: tag, Response: Enrollment{}}})

	d.Add("/api/core/promotions/preview/", map[string]api.Op{
		"post": {Summary: "Propose each student's move from one session to the next (promote, repeat, graduate), with class loads; writes nothing (admin)",
			Tag: tag, Body: PromotionInput{}, Response: PromotionPlan{}}})
	d.Add("/api/core/promotions/commit/", map[string]api.Op{
		"post": {Summary: "Apply a promotion in one transaction, with per-student overrides; refused when a class would exceed capacity (admin)",
			Tag: tag, Body: PromotionInput{}, Response: PromotionPlan{}}})

	d.Add("/api/core/settings/admission-number-pattern/", map[string]api.Op{
		"get": {Summary: "The admission number pattern ({year}, {yy}, {seq} or {seq:NN}) and the next number it gives", Tag: tag,
			Response: AdmissionPatternInfo{}},
		"put": {Summary: "Change the admission number pattern (admin); it must contain {seq} or {seq:NN}", Tag: tag,
			Body: PatternInput{}, Response: AdmissionPatternInfo{}}})
}
