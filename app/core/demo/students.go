package demo

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/core/academics"
	"github.com/schoolsms/sms/app/core/students"
	"github.com/schoolsms/sms/db"
	"github.com/schoolsms/sms/db/tenantdb"
)

var (
	girls    = []string{"Achieng", "Wanjiku", "Amina", "Faith", "Mercy", "Grace", "Njeri", "Zawadi", "Aisha", "Mwajuma", "Nafula", "Chebet", "Imani", "Nekesa", "Halima", "Joy", "Akinyi", "Wairimu", "Lilian", "Sharon"}
	boys     = []string{"Otieno", "Kamau", "Brian", "Kevin", "Juma", "Baraka", "Kipchoge", "Mwangi", "Omondi", "Hassan", "Daniel", "Ian", "Wekesa", "Musa", "Collins", "Felix", "Kiprono", "Mutua", "Ochieng", "Samuel"}
	surnames = []string{"Odhiambo", "Kariuki", "Mohamed", "Wambua", "Njoroge", "Cheruiyot", "Onyango", "Mutiso", "Achola", "Kimani", "Barasa", "Ndungu", "Owino", "Koech", "Wafula", "Macharia", "Abdi", "Okoth", "Nyaga", "Rotich", "Mbugua", "Kilonzo", "Auma", "Langat"}
	adults   = []string{"Margaret", "John", "Esther", "Joseph", "Rose", "Peter", "Alice", "Paul", "Jane", "James", "Ruth", "George", "Mary", "Francis", "Beatrice", "Charles"}
)

// seedStudents adds StudentsPerForm students to each form's classes, each with a parent
// (about one family in ten sends two children), in one transaction.
func seedStudents(ctx context.Context, t *db.Tenant, r *rand.Rand, classes []academics.Class, o Options, meta auth.Meta) (int, error) {
	perClass := o.StudentsPerForm / 2
	n := 0
	err := t.Tx(ctx, func(q *tenantdb.Queries, tx *sql.Tx) error {
		if err := setCountry(ctx, q); err != nil {
			return err
		}
		var lastFamily *students.GuardianInput
		for _, cl := range classes {
			level := cl.Name[len("Form ")] - '0'
			for i := 0; i < perClass; i++ {
				surname := surnames[r.IntN(len(surnames))]
				gender, first := "female", girls[r.IntN(len(girls))]
				if r.IntN(2) == 0 {
					gender, first = "male", boys[r.IntN(len(boys))]
				}
				middle := ""
				if r.IntN(3) == 0 {
					middle = surnames[r.IntN(len(surnames))]
				}
				age := 13 + int(level) + r.IntN(2)
				dob := fmt.Sprintf("%d-%02d-%02d", o.Today.Year()-age, 1+r.IntN(12), 1+r.IntN(28))

				var g students.GuardianInput
				if lastFamily != nil && r.IntN(10) == 0 {
					g = *lastFamily // a sibling: same parent, same surname
					surname = lastSurname(g.Name)
				} else {
					rel, parent := "Mother", adults[2*r.IntN(len(adults)/2)]
					if r.IntN(3) == 0 {
						rel, parent = "Father", adults[2*r.IntN(len(adults)/2)+1]
					}
					g = students.GuardianInput{Name: parent + " " + surname, Relationship: rel,
						Phone: fmt.Sprintf("+2547%08d", 10000000+r.IntN(89999999))}
					if r.IntN(2) == 0 {
						g.Email = emailOf(parent+" "+surname, "example.org")
					}
					lastFamily = &g
				}
				_, err := students.CreateStudent(ctx, q, students.StudentInput{FirstName: first, MiddleName: middle,
					LastName: surname, Gender: gender, DateOfBirth: dob, Nationality: "Kenyan", HomeLanguage: "Swahili",
					AdmittedOn: fmt.Sprintf("%d-01-06", o.Today.Year()-int(level)+1), Class: cl.ID,
					Guardians: []students.GuardianRef{{GuardianInput: g, IsPrimary: true}}}, meta)
				if err != nil {
					return fmt.Errorf("student %d of %s: %w", i+1, cl.Name, err)
				}
				n++
			}
		}
		return nil
	})
	return n, err
}

func lastSurname(full string) string {
	for i := len(full) - 1; i >= 0; i-- {
		if full[i] == ' ' {
			return full[i+1:]
		}
	}
	return full
}

// setCountry gives the demo school a country, so guardian phones are checked as Kenyan.
func setCountry(ctx context.Context, q *tenantdb.Queries) error {
	p, err := q.GetSchoolProfile(ctx)
	if err != nil {
		return err
	}
	if p.CountryCode != "" {
		return nil
	}
	_, err = q.UpsertSchoolProfile(ctx, tenantdb.UpsertSchoolProfileParams{Name: p.Name, Motto: "Knowledge is light",
		Address: "P.O. Box 100, Nairobi", Phone: "+254200000000", Email: "office@demo.school", CountryCode: "KE", Timezone: "Africa/Nairobi"})
	return err
}
