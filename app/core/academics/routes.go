// Package academics owns a school's academic structure: sessions, terms, forms, classes,
// subjects, the curriculum and who teaches what.
package academics

import "github.com/gofiber/fiber/v2"

// Routes registers /api/core/{sessions,terms,forms,classes,subjects,subject-assignments}/.
func Routes(r fiber.Router) {
}
