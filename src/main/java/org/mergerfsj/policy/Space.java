package org.mergerfsj.policy;

/**
 * Space figures of a branch's filesystem (statvfs of the branch root).
 *
 * @param avail    f_bavail * f_frsize
 * @param used     (f_blocks - f_bavail) * f_frsize
 * @param readOnly f_flag has ST_RDONLY
 */
public record Space(long avail, long used, boolean readOnly) {}
