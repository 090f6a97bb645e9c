package attendance

import "github.com/schoolsms/sms/app/api"

// SchoolDayAnswer is whether a date is a school day, and why not.
type SchoolDayAnswer struct {
	Date         string `json:"date"`
	SchoolDay    bool   `json:"school_day"`
	ClosedReason string `json:"closed_reason"`
}

// OpenAPI describes the attendance and calendar endpoints (a school's host).
func OpenAPI(d *api.Doc) {
	const tag = "attendance"
	d.Add("/api/core/classes/{id}/attendance/{date}/", map[string]api.Op{
		"get": {Summary: "A class's register for a date: every student in the class that day with their mark " +
			"(teachers: the classes they teach or lead)", Tag: tag, Response: Register{}},
		"put": {Summary: "Save a whole register in one transaction: one entry per student in the class that day " +
			"(present, absent, late or excused; an optional note). Refused with the field named: dates that are not " +
			"school days or are after today, students not in the class, missing or repeated students, unknown statuses. " +
			"A student newly absent for the day causes one attendance.absent event (admins; teachers their classes)",
			Tag: tag, Body: RegisterInput{}, Response: Register{}},
	})
	d.Add("/api/core/classes/{id}/tracking-sheet/", map[string]api.Op{
		"get": {Summary: "A class's tracking sheet for a month: students by school days with totals; " +
			"?format=csv or xlsx for a file (formula-safe)", Tag: tag, Query: []string{"month", "format"}, Response: Sheet{},
			ResponseContent: map[string]any{
				"text/csv": map[string]any{"schema": map[string]any{"type": "string"}},
				"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": map[string]any{
					"schema": map[string]any{"type": "string", "format": "binary"}}}},
	})
	d.Add("/api/core/students/{id}/attendance/", map[string]api.Op{
		"get": {Summary: "A student's attendance over a term (?term=, default the current term): days marked, " +
			"present, absent, late, excused and the attendance rate", Tag: tag, Query: []string{"term"}, Response: Summary{}},
	})
	d.Add("/api/core/attendance/overview/", map[string]api.Op{
		"get": {Summary: "The school's day (?date=, default today): per class its students and marks, and which " +
			"classes have not marked", Tag: tag, Query: []string{"date"}, Response: Overview{}},
	})
	d.Add("/api/core/attendance/absentees/", map[string]api.Op{
		"get": {Summary: "The students absent or excused on a date (?date=, default today) with their guardians' " +
			"phones (admins, clerks)", Tag: tag, Query: []string{"date"}, Response: AbsenteeList{}},
	})
	d.Add("/api/core/attendance/school-days/{date}/", map[string]api.Op{
		"get": {Summary: "Whether a date is a school day, and why not", Tag: tag, Response: SchoolDayAnswer{}},
	})
	d.Add("/api/core/holidays/", map[string]api.Op{
		"get": {Summary: "List holidays (paged), earliest first", Tag: tag, Ordering: &HolidayOrdering,
			Query: []string{"page", "page_size", "ordering", "search", "term", "session"}, Response: api.List[Holiday]{}},
		"post": {Summary: "Add a holiday inside a term (admin); holidays do not overlap", Tag: tag, Status: 201,
			Body: HolidayInput{}, Response: Holiday{}},
	})
	d.Add("/api/core/holidays/{id}/", map[string]api.Op{
		"get":    {Summary: "One holiday", Tag: tag, Response: Holiday{}},
		"patch":  {Summary: "Change a holiday (admin; only the fields sent)", Tag: tag, Body: HolidayPatch{}, Response: Holiday{}},
		"delete": {Summary: "Delete a holiday (admin)", Tag: tag, Status: 204},
	})
	d.Add("/api/core/settings/working-days/", map[string]api.Op{
		"get": {Summary: "The school's working weekdays (default Monday to Friday)", Tag: tag, Response: WorkingDays{}},
		"put": {Summary: "Set the working weekdays (admin)", Tag: tag, Body: WorkingDays{}, Response: WorkingDays{}},
	})
}
