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
  const js = jetstreamMetrics(m);

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
    js(c);
  };
}

/** (ours) Per JetStream consumer, labelled with its stream and consumer name. */
function jetstreamMetrics(m: ScrapedMetrics): (c: NatsCounters) => void {
  const labels = ['stream', 'consumer'];
  const pending = m.gaugeSet('cc_metric_store_nats_jetstream_pending', 'Messages in the JetStream stream not yet delivered to the consumer', labels);
  const unacked = m.gaugeSet('cc_metric_store_nats_jetstream_unacknowledged', 'JetStream messages delivered and not yet acknowledged (in the store\'s hands)', labels);
  const acks = m.counterSet('cc_metric_store_nats_jetstream_acks_total', 'JetStream messages acknowledged (stored and in the WAL)', labels);
  const naks = m.counterSet('cc_metric_store_nats_jetstream_naks_total', 'JetStream messages handed back because the store or the WAL failed them', labels);
  const redeliveries = m.counterSet('cc_metric_store_nats_jetstream_redeliveries_total', 'JetStream messages delivered more than once', labels);
  const lastAck = m.gaugeSet('cc_metric_store_nats_jetstream_last_ack_timestamp_seconds', 'Unix time of the last JetStream acknowledgement', labels);
  const consuming = m.gaugeSet('cc_metric_store_nats_jetstream_consuming', '1 while the JetStream consumer is set up and pulling', labels);
  return (c) => {
    const consumers = c.subscriptions.flatMap((s) => (s.jetstream ? [s.jetstream] : []));
    const each = (value: (j: (typeof consumers)[number]) => number) =>
      consumers.map((j): [Record<string, string>, number] => [{ stream: j.stream, consumer: j.consumer }, value(j)]);
    pending(each((j) => j.pending));
    unacked(each((j) => j.unacknowledged));
    acks(each((j) => j.acks));
    naks(each((j) => j.naks));
    redeliveries(each((j) => j.redeliveries));
    lastAck(each((j) => (j.lastAckAt ? Date.parse(j.lastAckAt) / 1000 : 0)));
    consuming(each((j) => (j.consuming ? 1 : 0)));
  };
}
