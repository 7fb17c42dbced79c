package synth_test

import (
	"fmt"
	"log"
	"os"

	"rolemine/datasets/synth"
)

func ExampleGenerate() {
	dir, err := os.MkdirTemp("", "synth-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	opts := synth.DefaultOptions
	opts.Identities, opts.Entitlements = 1000, 500
	s, err := synth.Generate(opts, dir)
	if err != nil {
		log.Fatal(err)
	}
	for _, f := range s.Files {
		fmt.Printf("%-40s %6d\n", f.Name, f.Rows)
	}
	// Output:
	// identities.csv                             1000
	// accounts.csv                               4455
	// entitlements.csv                            500
	// assignments.csv                           55557
	// requests.csv                               1380
	// certifications.csv                        33842
	// sod_rules.csv                                 5
	// ground_truth/planted_roles.csv              339
	// ground_truth/planted_role_members.csv      4002
	// ground_truth/duplicates.csv                  10
	// ground_truth/noise_assignments.csv         3185
	// ground_truth/decisions.csv                 1380
	// ground_truth/outliers.csv                    65
}
