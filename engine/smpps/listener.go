package smpps

import "github.com/gwd-project/gwd/netio"

// Refusals are the SMPP listeners' refusal counters (port and plain_port
// together, gwd_listener_refused_total{listener="smpp"}): connections
// closed at accept for [smpp-server] max_connections or
// max_connections_per_ip, and connections cut for not binding within
// sessionInitTimerSecs or leaving a PDU incomplete past
// pduReadTimerSecs.
func (s *Server) Refusals() *netio.Refusals { return &s.limit.Counts }
