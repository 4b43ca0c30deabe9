package org.mergerfsj.policy;

import java.util.List;
import org.mergerfsj.branch.Branch;

/**
 * A mergerfs policy: picks branches for a path. Create policies receive the parent directory of the new
 * entry; action and search policies the entry itself. Returned lists are never empty and keep branch order.
 */
public interface Policy {
    String name();

    /** Whether rename/link treat this create policy as path preserving (the ep* and msp* families). */
    boolean pathPreserving();

    List<Branch> create(List<Branch> branches, String fusePath, BranchFacts facts, long globalMinFreeSpace)
            throws PolicyException;

    List<Branch> action(List<Branch> branches, String fusePath, BranchFacts facts) throws PolicyException;

    List<Branch> search(List<Branch> branches, String fusePath, BranchFacts facts) throws PolicyException;
}
