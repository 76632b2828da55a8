// The configuration used when there is no config.json: the reference's metric
// list, listening on 127.0.0.1:8082 without authentication, checkpoints and
// archives under ./var, so `npm start` works out of the box. It goes through the
// same validation as a file.

export const DEFAULT_CONFIG_SOURCE = '(embedded default config)';

export const defaultConfig = {
  main: {
    addr: '127.0.0.1:8082',
  },
  'metric-store': {
    checkpoints: { 'file-format': 'wal', directory: './var/checkpoints' },
    'checkpoint-interval': '12h',
    'memory-cap': 0,
    'retention-in-memory': '48h',
    cleanup: { mode: 'archive', directory: './var/archive' },
  },
  metrics: {
    debug_metric: { frequency: 60, aggregation: 'avg' },
    clock: { frequency: 60, aggregation: 'avg' },
    cpu_idle: { frequency: 60, aggregation: 'avg' },
    cpu_iowait: { frequency: 60, aggregation: 'avg' },
    cpu_irq: { frequency: 60, aggregation: 'avg' },
    cpu_system: { frequency: 60, aggregation: 'avg' },
    cpu_user: { frequency: 60, aggregation: 'avg' },
    nv_mem_util: { frequency: 60, aggregation: 'avg' },
    nv_temp: { frequency: 60, aggregation: 'avg' },
    nv_sm_clock: { frequency: 60, aggregation: 'avg' },
    acc_utilization: { frequency: 60, aggregation: 'avg' },
    acc_mem_used: { frequency: 60, aggregation: 'sum' },
    acc_power: { frequency: 60, aggregation: 'sum' },
    flops_any: { frequency: 60, aggregation: 'sum' },
    flops_dp: { frequency: 60, aggregation: 'sum' },
    flops_sp: { frequency: 60, aggregation: 'sum' },
    ib_recv: { frequency: 60, aggregation: 'sum' },
    ib_xmit: { frequency: 60, aggregation: 'sum' },
    ib_recv_pkts: { frequency: 60, aggregation: 'sum' },
    ib_xmit_pkts: { frequency: 60, aggregation: 'sum' },
    cpu_power: { frequency: 60, aggregation: 'sum' },
    core_power: { frequency: 60, aggregation: 'sum' },
    mem_power: { frequency: 60, aggregation: 'sum' },
    ipc: { frequency: 60, aggregation: 'avg' },
    cpu_load: { frequency: 60, aggregation: null },
    lustre_close: { frequency: 60, aggregation: null },
    lustre_open: { frequency: 60, aggregation: null },
    lustre_statfs: { frequency: 60, aggregation: null },
    lustre_read_bytes: { frequency: 60, aggregation: null },
    lustre_write_bytes: { frequency: 60, aggregation: null },
    net_bw: { frequency: 60, aggregation: null },
    file_bw: { frequency: 60, aggregation: null },
    mem_bw: { frequency: 60, aggregation: 'sum' },
    mem_cached: { frequency: 60, aggregation: null },
    mem_used: { frequency: 60, aggregation: null },
    net_bytes_in: { frequency: 60, aggregation: null },
    net_bytes_out: { frequency: 60, aggregation: null },
    nfs4_read: { frequency: 60, aggregation: null },
    nfs4_total: { frequency: 60, aggregation: null },
    nfs4_write: { frequency: 60, aggregation: null },
    vectorization_ratio: { frequency: 60, aggregation: 'avg' },
  },
};
