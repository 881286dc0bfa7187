/**
 * The rule that keeps a ratio from measuring the load driver instead of the
 * service: a load phase is driver-bound when the driver used more than half
 * of one core over it. Both drivers are single-threaded (h2load runs with one
 * thread, the fallback is one Node event loop), so one core is their ceiling;
 * at half of it queueing in the driver already shows in the latencies, and on
 * a 2-core machine the driver is taking CPU the service competes for.
 */
export const DRIVER_BOUND_CPU_PERCENT = 50;

export function isDriverBound(driverCpuPercent: number): boolean {
  return driverCpuPercent > DRIVER_BOUND_CPU_PERCENT;
}
