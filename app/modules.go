package app

import (
	"sync"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/chatbot"
	"github.com/schoolsms/sms/app/core/academics"
	"github.com/schoolsms/sms/app/core/attendance"
	"github.com/schoolsms/sms/app/core/exams"
	"github.com/schoolsms/sms/app/core/notices"
	"github.com/schoolsms/sms/app/core/settings"
	"github.com/schoolsms/sms/app/core/studentimport"
	"github.com/schoolsms/sms/app/core/students"
	"github.com/schoolsms/sms/app/module"
	"github.com/schoolsms/sms/app/outbox"
)

// Modules is the one list of the appliance's modules: the server's routes and pages,
// the OpenAPI document, the policy table, the navigation and the background workers are
// built from it. A module's routes are registered in this order, so a fixed path of one
// module (/students/import) comes before another's pattern (/students/:id). A module
// that keeps state beside the school files (the chatbot: its model client, its queue)
// gets it from the App.
func Modules(a *App) []module.Module {
	return []module.Module{
		academics.Module(),
		studentimport.Module(),
		students.Module(),
		attendance.Module(),
		notices.Module(),
		outbox.Module(),
		exams.ModuleWith(examSources),
		chatbot.Module(a.Chatbot),
		settings.Module(),
	}
}

var grantOnce sync.Once

// grantModules adds the modules' actions to the policy table, once per process (every
// server of a process has the same modules).
func grantModules(mods []module.Module) {
	grantOnce.Do(func() {
		for _, m := range mods {
			auth.Grant(m.Policy)
		}
	})
}
