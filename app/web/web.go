// Package web serves the browser pages: sign-in and sign-out, the school dashboard, user
// management, the academic setup, students, admissions and the student import, and on
// the base domain the platform's school pages. Pages are
// html/template views from webui, rendered on the server; htmx swaps a few fragments.
// Every form also works as a plain POST followed by a redirect.
package web

import (
	"log/slog"
	"sync"

	"github.com/gofiber/fiber/v2"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/chatbot"
	"github.com/schoolsms/sms/app/clients"
	"github.com/schoolsms/sms/webui"
)

// Deps are the services the pages use.
type Deps struct {
	Auth    *auth.Service
	Clients *clients.Service
	Chatbot *chatbot.Module
	Log     *slog.Logger
}

// The templates are parsed once per process; a broken template stops the start-up.
var loadUI = sync.OnceValues(webui.New)

// handlers are the page handlers, closed over the services and the parsed templates.
type handlers struct {
	Deps
	ui *webui.Renderer
}

// Routes registers the school pages on school and the platform pages on platform.
func Routes(school, platform fiber.Router, d Deps) {
	ui, err := loadUI()
	if err != nil {
		panic(err) // the templates are embedded: this is a build defect, not a runtime condition
	}
	h := &handlers{Deps: d, ui: ui}
	static := webui.Static()

	school.Get("/static/*", static)
	school.Get("/login", h.loginForm)
	school.Post("/login", h.login)
	school.Post("/logout", h.logout)
	school.Get("/", h.require(auth.UseSchool), h.dashboard)
	users := h.require(auth.ManageUsers)
	school.Get("/users", users, h.userList)
	school.Get("/users/new", users, h.userNewForm)
	school.Post("/users/new", users, h.userCreate)
	school.Get("/users/:id", users, h.userEditForm)
	school.Post("/users/:id", users, h.userUpdate)
	school.Post("/users/:id/password", users, h.userPassword)
	school.Post("/users/:id/active", users, h.userActive)

	readAcad, writeAcad := h.require(auth.ReadAcademics), h.require(auth.WriteAcademics)
	school.Get("/academics", readAcad, h.academicsHome)
	school.Post("/academics/sessions", writeAcad, h.sessionCreate)
	school.Post("/academics/sessions/:id/current", writeAcad, h.sessionCurrent)
	school.Post("/academics/terms", writeAcad, h.termCreate)
	school.Get("/academics/terms/:id", writeAcad, h.termEditForm)
	school.Post("/academics/terms/:id", writeAcad, h.termUpdate)
	school.Post("/academics/terms/:id/current", writeAcad, h.termCurrent)
	school.Post("/academics/forms", writeAcad, h.formCreate)
	school.Post("/academics/classes", writeAcad, h.classCreate)
	school.Get("/academics/classes/:id", writeAcad, h.classEditForm)
	school.Post("/academics/classes/:id", writeAcad, h.classUpdate)
	school.Post("/academics/subjects", writeAcad, h.subjectCreate)
	school.Post("/academics/assignments", writeAcad, h.assignmentCreate)
	school.Post("/academics/assignments/:id/delete", writeAcad, h.assignmentDelete)
	school.Get("/academics/:tab", readAcad, h.academicsTab)

	readStudents, writeStudents := h.require(auth.ReadStudents), h.require(auth.WriteStudents)
	school.Get("/students", readStudents, h.studentList)
	school.Get("/students/new", writeStudents, h.studentNewForm)
	school.Post("/students/new", writeStudents, h.studentCreate)
	school.Get("/students/import", writeStudents, h.importForm)
	school.Post("/students/import", writeStudents, h.importRun)
	school.Get("/students/:id", readStudents, h.studentProfile)
	school.Get("/students/:id/edit", writeStudents, h.studentEditForm)
	school.Post("/students/:id/edit", writeStudents, h.studentUpdate)
	school.Post("/students/:id/class", writeStudents, h.studentClass)
	school.Post("/students/:id/guardians", writeStudents, h.guardianAdd)

	school.Get("/admissions", readStudents, h.admissionList)
	school.Get("/admissions/new", writeStudents, h.admissionNewForm)
	school.Post("/admissions/new", writeStudents, h.admissionCreate)
	school.Get("/admissions/:id", writeStudents, h.admissionEditForm)
	school.Post("/admissions/:id", writeStudents, h.admissionUpdate)
	school.Post("/admissions/:id/status", writeStudents, h.admissionDecide)
	school.Get("/admissions/:id/enroll", writeStudents, h.admissionEnrollForm)
	school.Post("/admissions/:id/enroll", writeStudents, h.admissionEnroll)

	inbox, manageBot := h.require(auth.UseInbox), h.require(auth.ManageChatbot)
	school.Get("/chatbot", inbox, h.inboxPage)
	school.Get("/chatbot/list", inbox, h.inboxList)
	school.Get("/chatbot/c/:id", inbox, h.threadPage)
	school.Get("/chatbot/c/:id/messages", inbox, h.threadMessages)
	school.Post("/chatbot/c/:id/reply", inbox, h.threadReply)
	school.Post("/chatbot/c/:id/hand-back", inbox, h.threadHandBack)
	school.Get("/chatbot/simulator", inbox, h.simulatorPage)
	school.Get("/chatbot/simulator/messages", inbox, h.simulatorMessages)
	school.Post("/chatbot/simulator", inbox, h.simulatorSend)
	school.Get("/chatbot/settings", manageBot, h.chatbotSettingsPage)
	school.Post("/chatbot/settings", manageBot, h.chatbotSettingsSave)

	platform.Get("/static/*", static)
	platform.Get("/login", h.loginForm)
	platform.Post("/login", h.login)
	platform.Post("/logout", h.logout)
	platform.Get("/", h.require(auth.UsePlatform), h.schoolList)
	manage := h.require(auth.ManageSchools)
	platform.Get("/schools/new", manage, h.schoolNewForm)
	platform.Post("/schools/new", manage, h.schoolCreate)
	platform.Get("/schools/:schema", manage, h.schoolDetail)
	platform.Post("/schools/:schema/name", manage, h.schoolRename)
	platform.Post("/schools/:schema/status", manage, h.schoolStatus)
	platform.Post("/schools/:schema/domains", manage, h.domainAdd)
	platform.Post("/schools/:schema/domains/remove", manage, h.domainRemove)
	platform.Post("/schools/:schema/domains/primary", manage, h.domainPrimary)
	platform.Get("/schools/:schema/delete", manage, h.schoolDeleteForm)
	platform.Post("/schools/:schema/delete", manage, h.schoolDelete)
}
