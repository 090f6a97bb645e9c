// Package students owns a school's student records: students, guardians, admissions,
// enrollments, promotion, and their import and export.
package students

import "github.com/gofiber/fiber/v2"

// Routes registers /api/core/{students,guardians,admissions,enrollments}/.
func Routes(r fiber.Router) {
}
