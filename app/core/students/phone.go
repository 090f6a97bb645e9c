package students

import "github.com/schoolsms/sms/app/phone"

// NormalizePhone turns a phone number as people write it into E.164 ("+254712345678"),
// reading national numbers ("0712 345 678") as numbers of country, the school's ISO 3166
// alpha-2 code (school_profile.country_code). See phone.Normalize.
func NormalizePhone(country, raw string) (string, error) { return phone.Normalize(country, raw) }

// CallingCode returns the international calling code of an ISO 3166 alpha-2 country
// ("KE" -> "254"), and whether it is known.
func CallingCode(country string) (string, bool) { return phone.CallingCode(country) }
