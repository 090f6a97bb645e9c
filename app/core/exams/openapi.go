package exams

import "github.com/schoolsms/sms/app/api"

// OpenAPI describes the module's endpoints (school hosts only).
func OpenAPI(d *api.Doc) {
	const tag = "exams"
	pdf := map[string]any{"application/pdf": map[string]any{"schema": map[string]any{"type": "string", "format": "binary"}}}

	d.Add("/api/core/assessments/", map[string]api.Op{
		"get": {Summary: "List assessments (paged); a teacher sees the classes they teach or lead", Tag: tag, Ordering: &AssessmentOrdering,
			Query:    []string{"page", "page_size", "ordering", "search", "term", "class", "form", "subject", "teacher", "kind"},
			Response: api.List[Assessment]{}},
		"post": {Summary: "Create an assessment (admin, or the subject's teacher); term defaults to the current term, weight to 1",
			Tag: tag, Status: 201, Body: AssessmentInput{}, Response: Assessment{}},
	})
	d.Add("/api/core/assessments/{id}/", map[string]api.Op{
		"get": {Summary: "One assessment", Tag: tag, Response: Assessment{}},
		"patch": {Summary: "Change an assessment's name, kind, date, maximum or weight (admin, or the subject's teacher; not while published)",
			Tag: tag, Body: AssessmentPatch{}, Response: Assessment{}},
		"delete": {Summary: "Delete an assessment and its marks (not while published)", Tag: tag, Status: 204},
	})
	d.Add("/api/core/assessments/{id}/scores/", map[string]api.Op{
		"get": {Summary: "The mark sheet: every student enrolled in the class with a score (a number), \"absent\", \"exempt\" or null",
			Tag: tag, Response: MarkSheet{}},
		"put": {Summary: "Save the whole sheet in one transaction (rows named scores[i] when bad; 403 for another teacher's subject; 409 when published)",
			Tag: tag, Body: SheetInput{}, Response: MarkSheet{}},
	})

	d.Add("/api/core/grading-scales/", map[string]api.Op{
		"get": {Summary: "List grading scales, the default first, then by name (one fixed order)", Tag: tag,
			Query: []string{"page", "page_size", "ordering"}, Response: api.List[Scale]{}},
		"post": {Summary: "Create a grading scale (admin); bands {min, max, grade, points, remark} cover 0-100 without gaps or overlaps",
			Tag: tag, Status: 201, Body: ScaleInput{}, Response: Scale{}},
	})
	d.Add("/api/core/grading-scales/{id}/", map[string]api.Op{
		"get":    {Summary: "One grading scale", Tag: tag, Response: Scale{}},
		"patch":  {Summary: "Change a grading scale (admin)", Tag: tag, Body: ScalePatch{}, Response: Scale{}},
		"delete": {Summary: "Delete a grading scale that is not the default (admin)", Tag: tag, Status: 204},
	})

	d.Add("/api/core/results/settings/", map[string]api.Op{
		"get": {Summary: "How an absent mark counts: zero or leave_out", Tag: tag, Response: ResultSettings{}},
		"put": {Summary: "Set how an absent mark counts (admin)", Tag: tag, Body: ResultSettings{}, Response: ResultSettings{}},
	})
	d.Add("/api/core/results/", map[string]api.Op{
		"get": {Summary: "A term's results for a class or a whole form: subject results, totals, means, positions, subject summaries",
			Tag: tag, Query: []string{"term", "class", "form"}, Response: Results{}},
	})
	d.Add("/api/core/results/broadsheet/", map[string]api.Op{
		"get": {Summary: "The results as a broadsheet: JSON, CSV or XLSX (format=json|csv|xlsx)", Tag: tag,
			Query: []string{"term", "class", "form", "format"}, Response: Broadsheet{}},
	})

	d.Add("/api/core/report-cards/", map[string]api.Op{
		"get": {Summary: "A class's report cards for a term and where they are (draft, comments, published)", Tag: tag,
			Query: []string{"term", "class"}, Response: ClassCards{}},
	})
	d.Add("/api/core/report-cards/pdf/", map[string]api.Op{
		"get": {Summary: "A class's report cards as one PDF, a page per student", Tag: tag, Query: []string{"term", "class"},
			ResponseContent: pdf},
	})
	d.Add("/api/core/report-cards/workflow/", map[string]api.Op{
		"post": {Summary: "Move a class's cards: comments (admin or class teacher; fills empty comments from the bank), published (admin; 409 listing incomplete sheets unless force), draft",
			Tag: tag, Body: WorkflowInput{}, Response: Workflow{}},
	})
	d.Add("/api/core/report-cards/comment-bank/", map[string]api.Op{
		"get": {Summary: "Default comments by role and mean grade", Tag: tag, Response: CommentBankInput{}},
		"put": {Summary: "Replace the default comments (admin)", Tag: tag, Body: CommentBankInput{}, Response: CommentBankInput{}},
	})
	d.Add("/api/core/report-cards/{id}/", map[string]api.Op{
		"get": {Summary: "A student's report card for a term (current by default)", Tag: tag, Query: []string{"term"}, Response: ReportCard{}},
	})
	d.Add("/api/core/report-cards/{id}/pdf/", map[string]api.Op{
		"get": {Summary: "A student's report card as a PDF", Tag: tag, Query: []string{"term"}, ResponseContent: pdf},
	})
	d.Add("/api/core/report-cards/{id}/comments/", map[string]api.Op{
		"put": {Summary: "Write the class teacher's (class teacher or admin) or head teacher's (admin) comment; not while published",
			Tag: tag, Body: CommentsInput{}, Response: Comments{}},
	})
	d.Add("/api/core/report-cards/{id}/remarks/", map[string]api.Op{
		"put": {Summary: "Write the subject teacher's remark on a student's subject row (\"\" for the grade's remark)", Tag: tag,
			Body: RemarkInput{}, Response: RemarkInput{}},
	})
}
