package outbox

import (
	"context"

	"github.com/schoolsms/sms/app/module"
)

// Module is the relay as the appliance runs it: one worker that publishes every school's
// outbox, whichever module wrote the events.
func Module() module.Module {
	return module.Module{Name: "outbox", Workers: []module.Worker{{Name: "relay", Run: run}}}
}

func run(ctx context.Context, rt module.Runtime) error {
	r := &Relay{Pool: rt.Pool, Catalog: rt.Catalog, JetStream: rt.JetStream, Log: rt.Log, Appliance: rt.Appliance, Replicas: rt.Replicas}
	return r.Run(ctx)
}
