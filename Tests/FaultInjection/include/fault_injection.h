// See fsync_delay.c: an LD_PRELOAD library that delays fsync and fdatasync.
int inward_fault_injection_loaded(void);
