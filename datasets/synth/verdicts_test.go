package synth

import (
	"fmt"
	"testing"
	"time"
)

func TestVerdicts(t *testing.T) {
	at := time.Date(2026, 11, 1, 2, 0, 0, 0, time.UTC)
	var routed []Routed
	careful := map[string]bool{}
	for k := range 4000 {
		id := fmt.Sprint("r", k)
		routed = append(routed, Routed{RequestID: id, AutoApproved: k%2 == 0, QASample: k%4 == 0, At: at})
		careful[id] = k%10 != 0 // every tenth should be denied
	}
	routed = append(routed, Routed{RequestID: "unknown", At: at})
	tests := []struct {
		name              string
		errorRate         float64
		wantWrong         [2]float64 // range of the share of verdicts contradicting careful
		wantRollbackShare [2]float64 // of the wrongly auto-approved
	}{
		{"careful", 0, [2]float64{0, 0}, [2]float64{0.4, 0.6}},
		{"careless", 0.3, [2]float64{0.27, 0.33}, [2]float64{0.4, 0.6}},
		{"contrary", 1, [2]float64{1, 1}, [2]float64{0.4, 0.6}},
	}
	for _, tt := range tests {
		opts := DefaultVerdictOptions
		opts.ErrorRate = tt.errorRate
		outs := Verdicts(routed, careful, opts)
		verdicts, wrong, rollbacks := 0, 0, 0
		for _, o := range outs {
			if o.RequestID == "unknown" {
				t.Fatalf("%s: a verdict for a request without a careful decision", tt.name)
			}
			if o.At.Before(at) {
				t.Errorf("%s: outcome at %v, before triage", tt.name, o.At)
			}
			switch o.Outcome {
			case "revoked":
				rollbacks++
			default:
				verdicts++
				if (o.Outcome == "approved") != careful[o.RequestID] {
					wrong++
				}
			}
		}
		// Verdicts: every routed-to-a-person request (2,000) and every
		// quality-sampled auto-approval (1,000).
		if verdicts != 3000 {
			t.Errorf("%s: %d verdicts, want 3000", tt.name, verdicts)
		}
		if share := float64(wrong) / float64(verdicts); share < tt.wantWrong[0] || share > tt.wantWrong[1] {
			t.Errorf("%s: %.3f of verdicts contradict the careful decision, want %v", tt.name, share, tt.wantWrong)
		}
		// 400 auto-approvals (every tenth request) should have been denied.
		if share := float64(rollbacks) / 400; share < tt.wantRollbackShare[0] || share > tt.wantRollbackShare[1] {
			t.Errorf("%s: %d rollbacks of 400 wrong auto-approvals", tt.name, rollbacks)
		}
	}
}
