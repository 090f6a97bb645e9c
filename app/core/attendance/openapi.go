package attendance

import "github.com/schoolsms/sms/app/api"

// OpenAPIPaths describes the attendance and calendar endpoints (a school's host).
func OpenAPIPaths() map[string]any {
	const tag = "attendance"
	prop := func(o map[string]any, name string, schema any) map[string]any {
		o["properties"].(map[string]any)[name] = schema
		return o
	}
	array := func(items map[string]any) map[string]any { return map[string]any{"type": "array", "items": items} }
	class := api.Obj("id:integer", "name:string", "form:integer", "form_name:string", "session:integer")
	student := api.Obj("id:integer", "admission_no:string", "name:string")
	term := api.Obj("id:integer", "name:string", "start_date:string", "end_date:string")
	counts := api.Obj("present:integer", "absent:integer", "late:integer", "excused:integer", "unmarked:integer")
	entry := api.Obj("student:integer", "admission_no:string", "name:string", "status:string?", "note:string",
		"marked_by:integer?", "marked_by_name:string?", "marked_at:string?")
	register := api.Obj("class:object", "date:string", "term:object?", "open:boolean", "closed_reason:string?",
		"counts:object", "entries:array")
	prop(prop(prop(prop(register, "class", class), "term", term), "counts", counts), "entries", array(entry))
	registerIn := prop(api.Obj("entries:array"), "entries", array(api.Obj("student:integer", "status:string", "note:string?")))

	summary := api.Obj("student:object", "term:object", "school_days:integer", "days_marked:integer", "present:integer",
		"absent:integer", "late:integer", "excused:integer", "attendance_rate:number?")
	prop(prop(summary, "student", student), "term", term)
	row := api.Obj("student:object", "marks:array", "present:integer", "absent:integer", "late:integer", "excused:integer",
		"unmarked:integer", "attendance_rate:number?")
	prop(row, "student", student)
	dayTotal := api.Obj("date:string", "present:integer", "absent:integer", "late:integer", "excused:integer", "unmarked:integer")
	sheet := api.Obj("class:object", "month:string", "days:array", "students:array", "day_totals:array", "totals:object")
	prop(prop(prop(prop(sheet, "class", class), "students", array(row)), "day_totals", array(dayTotal)), "totals", counts)
	classDay := api.Obj("class:object", "students:integer", "marked:integer", "present:integer", "absent:integer",
		"late:integer", "excused:integer", "unmarked:integer", "state:string")
	prop(classDay, "class", class)
	overview := api.Obj("date:string", "school_day:boolean", "closed_reason:string?", "session:string?", "classes:array",
		"totals:object", "classes_unmarked:integer")
	prop(prop(overview, "classes", array(classDay)), "totals", counts)
	contact := api.Obj("name:string", "relationship:string", "phone:string", "receives_messages:boolean", "is_primary:boolean")
	absentee := prop(prop(prop(api.Obj("student:object", "class:object", "status:string", "note:string", "guardians:array"),
		"student", student), "class", class), "guardians", array(contact))
	absentees := prop(api.Obj("date:string", "count:integer", "results:array"), "results", array(absentee))
	holiday := api.Obj("id:integer", "term:integer", "term_name:string", "session:integer", "name:string",
		"start_date:string", "end_date:string", "created_at:string", "updated_at:string")
	workingDays := api.Obj("working_days:array")

	return map[string]any{
		"/api/core/classes/{id}/attendance/{date}/": api.Item("/api/core/classes/{id}/attendance/{date}/", map[string]api.Op{
			"get": {Summary: "A class's register for a date: every student in the class that day with their mark " +
				"(teachers: the classes they teach or lead)", Tag: tag, Response: register},
			"put": {Summary: "Save a whole register in one transaction: one entry per student in the class that day " +
				"(present, absent, late or excused; an optional note). Refused with the field named: dates that are not " +
				"school days or are after today, students not in the class, missing or repeated students, unknown statuses. " +
				"A student newly absent for the day causes one attendance.absent event (admins; teachers their classes)",
				Tag: tag, Body: registerIn, Response: register},
		}),
		"/api/core/classes/{id}/tracking-sheet/": api.Item("/api/core/classes/{id}/tracking-sheet/", map[string]api.Op{
			"get": {Summary: "A class's tracking sheet for a month: students by school days with totals; " +
				"?format=csv or xlsx for a file (formula-safe)", Tag: tag, Query: []string{"month", "format"}, Response: sheet},
		}),
		"/api/core/students/{id}/attendance/": api.Item("/api/core/students/{id}/attendance/", map[string]api.Op{
			"get": {Summary: "A student's attendance over a term (?term=, default the current term): days marked, " +
				"present, absent, late, excused and the attendance rate", Tag: tag, Query: []string{"term"}, Response: summary},
		}),
		"/api/core/attendance/overview/": api.Item("/api/core/attendance/overview/", map[string]api.Op{
			"get": {Summary: "The school's day (?date=, default today): per class its students and marks, and which " +
				"classes have not marked", Tag: tag, Query: []string{"date"}, Response: overview},
		}),
		"/api/core/attendance/absentees/": api.Item("/api/core/attendance/absentees/", map[string]api.Op{
			"get": {Summary: "The students absent or excused on a date (?date=, default today) with their guardians' " +
				"phones (admins, clerks)", Tag: tag, Query: []string{"date"}, Response: absentees},
		}),
		"/api/core/attendance/school-days/{date}/": api.Item("/api/core/attendance/school-days/{date}/", map[string]api.Op{
			"get": {Summary: "Whether a date is a school day, and why not", Tag: tag,
				Response: api.Obj("date:string", "school_day:boolean", "closed_reason:string")},
		}),
		"/api/core/holidays/": api.Item("/api/core/holidays/", map[string]api.Op{
			"get": {Summary: "List holidays (paged), earliest first", Tag: tag,
				Query: []string{"page", "page_size", "ordering", "search", "term", "session"}, Response: api.ListOf(holiday)},
			"post": {Summary: "Add a holiday inside a term (admin); holidays do not overlap", Tag: tag, Status: 201,
				Body: api.Obj("term:integer?", "name:string", "start_date:string", "end_date:string"), Response: holiday},
		}),
		"/api/core/holidays/{id}/": api.Item("/api/core/holidays/{id}/", map[string]api.Op{
			"get": {Summary: "One holiday", Tag: tag, Response: holiday},
			"patch": {Summary: "Change a holiday (admin; only the fields sent)", Tag: tag,
				Body: api.Obj("term:integer?", "name:string?", "start_date:string?", "end_date:string?"), Response: holiday},
			"delete": {Summary: "Delete a holiday (admin)", Tag: tag, Status: 204},
		}),
		"/api/core/settings/working-days/": api.Item("/api/core/settings/working-days/", map[string]api.Op{
			"get": {Summary: "The school's working weekdays (default Monday to Friday)", Tag: tag, Response: workingDays},
			"put": {Summary: "Set the working weekdays (admin)", Tag: tag, Body: workingDays, Response: workingDays},
		}),
	}
}
