package phone_test

import (
	"fmt"
	"testing"

	"github.com/schoolsms/sms/app/phone"
)

// BenchmarkNormalize: an import reads one number a row.
func BenchmarkNormalize(b *testing.B) {
	nums := make([]string, 1000)
	for i := range nums {
		nums[i] = fmt.Sprintf("07%08d", 10000000+i)
	}
	phone.Normalize("KE", nums[0]) // the first call loads the numbering data
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := phone.Normalize("KE", nums[i%len(nums)]); err != nil {
			b.Fatal(err)
		}
	}
}
