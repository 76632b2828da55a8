// The NATS subscriber's counters (the `nats` member of /api/debug's service section).

import type { NatsCounters } from '../nats/index.ts';
import type { ScrapedMetrics } from './scraped.ts';

export function natsMetrics(m: ScrapedMetrics): (c: NatsCounters) => void {
  const connected = m.gauge('cc_metric_store_nats_connected', '1 while connected to NATS with every subscription registered');
  const authFailed = m.gauge('cc_metric_store_nats_authorization_failed', '1 while the NATS server rejects our credentials');
  const messages = m.counter('cc_metric_store_nats_messages_total', 'NATS messages received');
  const accepted = m.counter('cc_metric_store_nats_lines_accepted_total', 'Lines of NATS messages stored');
  const rejected = m.counter('cc_metric_store_nats_lines_rejected_total', 'Lines of NATS messages not stored (malformed, unknown metric, bad name, too old)');
  const bad = m.counter('cc_metric_store_nats_bad_messages_total', 'NATS messages with at least one malformed line');
  const dropped = m.counter('cc_metric_store_nats_messages_dropped_total', "NATS messages dropped unread because a subscription's queue was full");
  const failures = m.counter('cc_metric_store_nats_ingest_failures_total', 'NATS messages whose ingest failed (store or WAL I/O)');
  const reconnects = m.counter('cc_metric_store_nats_reconnects_total', 'Reconnections to NATS after a lost connection');
  const perSubject = m.counterSet('cc_metric_store_nats_subscription_messages_total', 'NATS messages received by subscription', ['subject', 'cluster']);
  const queuedMessages = m.gaugeSet('cc_metric_store_nats_subscription_queued_messages', 'NATS messages received and waiting for the store', ['subject', 'cluster']);
  const queuedBytes = m.gaugeSet('cc_metric_store_nats_subscription_queued_bytes', 'Bytes of NATS messages waiting for the store', ['subject', 'cluster']);

  return (c) => {
    connected(c.connected ? 1 : 0);
    authFailed(c.authorizationFailed ? 1 : 0);
    messages(c.messages);
    accepted(c.linesAccepted);
    rejected(c.linesRejected);
    bad(c.badMessages);
    dropped(c.messagesDropped);
    failures(c.ingestFailures);
    reconnects(c.reconnects);
    perSubject(c.subscriptions.map((s) => [{ subject: s.subject, cluster: s.clusterTag }, s.messages]));
    queuedMessages(c.subscriptions.map((s) => [{ subject: s.subject, cluster: s.clusterTag }, s.queuedMessages]));
    queuedBytes(c.subscriptions.map((s) => [{ subject: s.subject, cluster: s.clusterTag }, s.queuedBytes]));
  };
}
