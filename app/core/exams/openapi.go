package exams

import "github.com/schoolsms/sms/app/api"

// OpenAPIPaths describes the module's endpoints (school hosts only).
func OpenAPIPaths() map[string]any {
	const tag = "exams"
	paths := map[string]any{}
	add := func(path string, ops map[string]api.Op) { paths[path] = api.Item(path, ops) }

	assessment := api.Obj("id:integer", "term:integer", "term_name:string", "class:integer", "class_name:string",
		"form:integer", "subject:integer", "subject_code:string", "subject_name:string", "teacher:integer?",
		"teacher_name:string", "name:string", "kind:string", "date:string", "max_score:number", "weight:number",
		"marked:integer", "status:string", "created_at:string", "updated_at:string")
	add("/api/core/assessments/", map[string]api.Op{
		"get": {Summary: "List assessments (paged); a teacher sees the classes they teach or lead", Tag: tag,
			Query:    []string{"page", "page_size", "ordering", "search", "term", "class", "form", "subject", "teacher", "kind"},
			Response: api.ListOf(assessment)},
		"post": {Summary: "Create an assessment (admin, or the subject's teacher); term defaults to the current term, weight to 1",
			Tag: tag, Status: 201, Response: assessment,
			Body: api.Obj("term:integer?", "class:integer", "subject:integer", "name:string", "kind:string", "date:string",
				"max_score:number", "weight:number?")},
	})
	add("/api/core/assessments/{id}/", map[string]api.Op{
		"get": {Summary: "One assessment", Tag: tag, Response: assessment},
		"patch": {Summary: "Change an assessment's name, kind, date, maximum or weight (admin, or the subject's teacher; not while published)",
			Tag: tag, Response: assessment,
			Body: api.Obj("name:string?", "kind:string?", "date:string?", "max_score:number?", "weight:number?")},
		"delete": {Summary: "Delete an assessment and its marks (not while published)", Tag: tag, Status: 204},
	})
	sheet := api.Obj("assessment:object", "locked:boolean", "rows:array")
	add("/api/core/assessments/{id}/scores/", map[string]api.Op{
		"get": {Summary: "The mark sheet: every student enrolled in the class with a score, \"absent\", \"exempt\" or null",
			Tag: tag, Response: sheet},
		"put": {Summary: "Save the whole sheet in one transaction (rows named scores[i] when bad; 403 for another teacher's subject; 409 when published)",
			Tag: tag, Body: api.Obj("scores:array"), Response: sheet},
	})

	scale := api.Obj("id:integer", "name:string", "is_default:boolean", "forms:array", "bands:array",
		"created_at:string", "updated_at:string")
	add("/api/core/grading-scales/", map[string]api.Op{
		"get": {Summary: "List grading scales, the default first, then by name (one fixed order)", Tag: tag, Query: []string{"page", "page_size", "ordering"},
			Response: api.ListOf(scale)},
		"post": {Summary: "Create a grading scale (admin); bands {min, max, grade, points, remark} cover 0-100 without gaps or overlaps",
			Tag: tag, Status: 201, Body: api.Obj("name:string", "is_default:boolean?", "forms:array?", "bands:array"), Response: scale},
	})
	add("/api/core/grading-scales/{id}/", map[string]api.Op{
		"get":    {Summary: "One grading scale", Tag: tag, Response: scale},
		"patch":  {Summary: "Change a grading scale (admin)", Tag: tag, Body: api.Obj("name:string?", "is_default:boolean?", "forms:array?", "bands:array?"), Response: scale},
		"delete": {Summary: "Delete a grading scale that is not the default (admin)", Tag: tag, Status: 204},
	})

	settings := api.Obj("absent:string")
	add("/api/core/results/settings/", map[string]api.Op{
		"get": {Summary: "How an absent mark counts: zero or leave_out", Tag: tag, Response: settings},
		"put": {Summary: "Set how an absent mark counts (admin)", Tag: tag, Body: settings, Response: settings},
	})
	results := api.Obj("term:object", "form:object", "class:object?", "scale:object", "absent:string", "subjects:array",
		"students:array", "summaries:array")
	add("/api/core/results/", map[string]api.Op{
		"get": {Summary: "A term's results for a class or a whole form: subject results, totals, means, positions, subject summaries",
			Tag: tag, Query: []string{"term", "class", "form"}, Response: results},
	})
	add("/api/core/results/broadsheet/", map[string]api.Op{
		"get": {Summary: "The results as a broadsheet: JSON, CSV or XLSX (format=json|csv|xlsx)", Tag: tag,
			Query: []string{"term", "class", "form", "format"}, Response: api.Obj("title:string", "columns:array", "rows:array", "subjects:array")},
	})

	classCards := api.Obj("term:object", "class:object", "form:object", "status:string", "published_at:string", "cards:array")
	add("/api/core/report-cards/", map[string]api.Op{
		"get": {Summary: "A class's report cards for a term and where they are (draft, comments, published)", Tag: tag,
			Query: []string{"term", "class"}, Response: classCards},
	})
	pdf := map[string]any{"type": "string", "format": "binary"}
	add("/api/core/report-cards/pdf/", map[string]api.Op{
		"get": {Summary: "A class's report cards as one PDF, a page per student", Tag: tag, Query: []string{"term", "class"}, Response: pdf},
	})
	add("/api/core/report-cards/workflow/", map[string]api.Op{
		"post": {Summary: "Move a class's cards: comments (admin or class teacher; fills empty comments from the bank), published (admin; 409 listing incomplete sheets unless force), draft",
			Tag: tag, Body: api.Obj("term:integer?", "class:integer", "status:string", "force:boolean?"),
			Response: api.Obj("term:integer", "class:integer", "status:string", "published_at:string", "filled:integer")},
	})
	bank := api.Obj("comments:array")
	add("/api/core/report-cards/comment-bank/", map[string]api.Op{
		"get": {Summary: "Default comments by role and mean grade", Tag: tag, Response: bank},
		"put": {Summary: "Replace the default comments (admin)", Tag: tag, Body: bank, Response: bank},
	})
	card := api.Obj("school:object", "student:object", "term:object", "status:string", "published_at:string", "scale:object",
		"subjects:array", "subjects_taken:integer", "total:number", "mean_percent:number?", "mean_points:number?",
		"mean_grade:string", "class_position:integer?", "class_of:integer", "form_position:integer?", "form_of:integer",
		"attendance:object?", "class_teacher_comment:string", "head_teacher_comment:string", "next_term_begins:string")
	add("/api/core/report-cards/{id}/", map[string]api.Op{
		"get": {Summary: "A student's report card for a term (current by default)", Tag: tag, Query: []string{"term"}, Response: card},
	})
	add("/api/core/report-cards/{id}/pdf/", map[string]api.Op{
		"get": {Summary: "A student's report card as a PDF", Tag: tag, Query: []string{"term"}, Response: pdf},
	})
	add("/api/core/report-cards/{id}/comments/", map[string]api.Op{
		"put": {Summary: "Write the class teacher's (class teacher or admin) or head teacher's (admin) comment; not while published",
			Tag: tag, Body: api.Obj("term:integer?", "class_teacher_comment:string?", "head_teacher_comment:string?"),
			Response: api.Obj("student:integer", "term:integer", "class_teacher_comment:string", "head_teacher_comment:string")},
	})
	add("/api/core/report-cards/{id}/remarks/", map[string]api.Op{
		"put": {Summary: "Write the subject teacher's remark on a student's subject row (\"\" for the grade's remark)", Tag: tag,
			Body: api.Obj("term:integer?", "subject:integer", "remark:string"), Response: api.Obj("term:integer", "subject:integer", "remark:string")},
	})
	return paths
}
