package smpps

import (
	"errors"

	"github.com/gwd-project/gwd/router"
	"github.com/gwd-project/gwd/smpp"
)

// The SMPP server's answer to each refusal: the command_status of a
// bind_resp, submit_sm_resp or data_sm_resp.
//
//   - Authentication: ESME_RINVPASWD for an unknown user and for a wrong
//     password alike (Jasmin answers ESME_RINVSYSID for the first, which
//     tells an attacker which usernames exist: ESME_RINVPASWD is what
//     clients already treat as "check your credentials"), ESME_RBINDFAIL
//     for a disabled user or group, which only someone with the right
//     password learns; ESME_RBINDFAIL stays the "refused, try later" of
//     back-off and full check queues.
//   - Credentials, as Jasmin's SMPP server: ESME_RINVSYSID for a missing
//     authorization; ESME_RINVDSTADR, ESME_RINVSRCADR, ESME_RINVPRTFLG
//     for the dst_addr, src_addr and priority value filters, ESME_RSYSERR
//     for the others.
//   - Charging: the manual does not say; Jasmin 0.11 answers ESME_RSYSERR
//     (its SubmitSmChargingError). gwd answers ESME_RSUBMITFAIL
//     ("submit_sm failed"): the refusal is final for this message and
//     says nothing is wrong with the gateway, whereas ESMEs commonly treat
//     ESME_RSYSERR as a transient fault and retry it in a loop, which an
//     exhausted account cannot satisfy.
//   - No route: ESME_RINVDSTADR, the destination being the part of the
//     message gwd cannot serve.
//   - An interceptor's rejection: the script's smpp_status.
//   - A full disk: ESME_RMSGQFUL ("message queue full"), which ESMEs
//     treat as "retry later"; gwd takes messages again once space
//     returns.
//   - A full queue (the connector's queue at [smpp-client]
//     queue_max_messages or queue_max_bytes): ESME_RMSGQFUL, as a full
//     disk; messages routed to other connectors are taken.
//   - A busy store (its bound of pending writes reached, [store]
//     max_pending_writes): ESME_RTHROTTLED, the ESME's cue to slow down.
//   - A failed store (it takes nothing until gwd is restarted):
//     ESME_RSYSERR, the default, which ESMEs retry.

// refusalStatus is the command_status answering r.
func refusalStatus(r router.Refusal) smpp.Status {
	switch r.Kind() {
	case router.RefusedAuth:
		if ae, ok := r.(*router.AuthError); ok && ae.Reason != router.AuthUnknownUser && ae.Reason != router.AuthBadPassword {
			return smpp.ESME_RBINDFAIL
		}
		return smpp.ESME_RINVPASWD
	case router.RefusedBind, router.RefusedBackoff:
		return smpp.ESME_RBINDFAIL
	case router.RefusedAuthorization:
		return smpp.ESME_RINVSYSID
	case router.RefusedValueFilter:
		if ce, ok := r.(*router.CredError); ok {
			switch ce.Key {
			case "dst_addr":
				return smpp.ESME_RINVDSTADR
			case "src_addr":
				return smpp.ESME_RINVSRCADR
			case "priority":
				return smpp.ESME_RINVPRTFLG
			}
		}
		return smpp.ESME_RSYSERR
	case router.RefusedThroughput:
		return smpp.ESME_RTHROTTLED
	case router.RefusedCharge:
		return smpp.ESME_RSUBMITFAIL
	case router.RefusedIntercepted:
		if ir, ok := r.(*router.InterceptRejection); ok {
			return ir.SMPP
		}
	case router.RefusedNoRoute:
		return smpp.ESME_RINVDSTADR
	case router.RefusedDiskFull, router.RefusedQueueFull:
		return smpp.ESME_RMSGQFUL
	case router.RefusedBusy:
		return smpp.ESME_RTHROTTLED
	}
	return smpp.ESME_RSYSERR
}

// submitStatus answers a refused submit_sm or data_sm: a Refusal's
// status, else the status err carries, else ESME_RSYSERR.
func submitStatus(err error) smpp.Status {
	var r router.Refusal
	if errors.As(err, &r) {
		return refusalStatus(r)
	}
	if st := smpp.StatusOf(err); st != smpp.ESME_ROK {
		return st
	}
	return smpp.ESME_RSYSERR
}

// bindStatus answers a refused bind: a Refusal's status, else
// ESME_RBINDFAIL.
func bindStatus(err error) smpp.Status {
	var r router.Refusal
	if errors.As(err, &r) {
		return refusalStatus(r)
	}
	return smpp.ESME_RBINDFAIL
}
