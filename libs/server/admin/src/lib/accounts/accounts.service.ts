import { Injectable } from '@nestjs/common';
import {
  PASSWORD_MIN_LENGTH,
  USERNAME_PATTERN,
  type Account,
  type AdminFieldError,
  type ChangePasswordRequest,
  type CreateAccountRequest,
  type SignOutResponse,
  type UpdateAccountRequest,
} from '@sentinel/admin-contract';
import { AuditService } from '../audit/audit.service';
import { AdminAuthService, foldUsername } from '../auth/admin-auth.service';
import { SessionService } from '../auth/session.service';
import { AdminApiError } from '../common/admin-errors';
import type { AdminPrincipal } from '../common/request-context';
import { AccountsRepository, publicAccount, type AccountRecord, type AccountChanges } from './accounts.repository';
import { hashPassword } from './password-hash';

const USERNAME = new RegExp(USERNAME_PATTERN);

/** Password policy: at least PASSWORD_MIN_LENGTH characters, and not the username. */
export function passwordProblems(password: string, username: string, field = 'password'): AdminFieldError[] {
  const messages: string[] = [];
  if ([...password].length < PASSWORD_MIN_LENGTH) messages.push(`at least ${PASSWORD_MIN_LENGTH} characters`);
  if (password.trim().toLowerCase() === username.toLowerCase()) messages.push('must not be the username');
  return messages.length ? [{ field, messages }] : [];
}

export interface Who {
  principal: AdminPrincipal;
  ip: string | null;
}

/**
 * Accounts: list, create, change (role, disabled, display name, password reset), delete, and
 * one's own password change. Disabling, a password change and a role change revoke the account's
 * sessions. The built-in `admin` cannot be deleted or demoted, and can be disabled only while
 * another enabled admin exists; its password is ADMIN_PASSWORD (changed in the environment).
 */
@Injectable()
export class AccountsService {
  constructor(
    private readonly repo: AccountsRepository,
    private readonly auth: AdminAuthService,
    private readonly sessions: SessionService,
    private readonly audit: AuditService,
  ) {}

  async list(): Promise<Account[]> {
    return (await this.repo.list()).map(publicAccount);
  }

  async create(req: CreateAccountRequest, who: Who): Promise<Account> {
    const username = foldUsername(req.username);
    const fields: AdminFieldError[] = [];
    if (!USERNAME.test(req.username.trim().toLowerCase()))
      fields.push({ field: 'username', messages: ['1–64 characters of a-z 0-9 . _ -'] });
    fields.push(...passwordProblems(req.password, username));
    if (fields.length) throw AdminApiError.validation(fields);
    const created = await this.repo.insert({
      username,
      passwordHash: await hashPassword(req.password, this.auth.scrypt),
      role: req.role,
      displayName: req.displayName?.trim() || null,
      external: false,
    });
    if (!created) throw new AdminApiError(409, 'conflict', `The account ${username} exists already.`);
    await this.record(who, 'account.create', username, undefined, summary(created));
    return publicAccount(created);
  }

  async update(rawName: string, req: UpdateAccountRequest, who: Who): Promise<Account> {
    const username = foldUsername(rawName);
    const before = await this.existing(username);
    const changes: AccountChanges = {};
    if (req.role !== undefined && req.role !== before.role) {
      if (before.builtin) throw new AdminApiError(409, 'conflict', 'The built-in admin cannot be demoted.');
      changes.role = req.role;
    }
    if (req.displayName !== undefined) changes.displayName = req.displayName.trim() || null;
    if (req.disabled !== undefined && req.disabled !== before.disabled) {
      if (req.disabled && before.role === 'admin' && (await this.repo.otherEnabledAdmins(username)) === 0)
        throw new AdminApiError(409, 'conflict', 'Another enabled admin must exist before this one is disabled.');
      changes.disabled = req.disabled;
    }
    if (req.password !== undefined) {
      if (before.builtin)
        throw new AdminApiError(409, 'conflict', 'The built-in admin’s password is ADMIN_PASSWORD; change it there.');
      const problems = passwordProblems(req.password, username);
      if (problems.length) throw AdminApiError.validation(problems);
      changes.passwordHash = await hashPassword(req.password, this.auth.scrypt);
    }
    if (changes.role !== undefined && before.role === 'admin' && (await this.repo.otherEnabledAdmins(username)) === 0)
      throw new AdminApiError(409, 'conflict', 'The last enabled admin cannot be demoted.');
    const after = await this.repo.update(username, changes);
    if (!after) throw AdminApiError.notFound(`No account ${username}.`);
    const revoke = changes.role !== undefined || changes.disabled === true || changes.passwordHash !== undefined;
    const revoked = revoke ? await this.sessions.revokeAccount(username, 'account_changed') : 0;
    await this.record(
      who,
      changes.passwordHash !== undefined && Object.keys(changes).length === 1 ? 'account.password' : 'account.update',
      username,
      summary(before),
      { ...summary(after), passwordChanged: changes.passwordHash !== undefined, sessionsRevoked: revoked },
    );
    return publicAccount(after);
  }

  async delete(rawName: string, who: Who): Promise<SignOutResponse> {
    const username = foldUsername(rawName);
    const before = await this.existing(username);
    if (before.builtin) throw new AdminApiError(409, 'conflict', 'The built-in admin cannot be deleted.');
    if (before.role === 'admin' && !before.disabled && (await this.repo.otherEnabledAdmins(username)) === 0)
      throw new AdminApiError(409, 'conflict', 'The last enabled admin cannot be deleted.');
    const revoked = await this.sessions.revokeAccount(username, 'account_deleted');
    await this.repo.delete(username);
    await this.record(who, 'account.delete', username, summary(before), { sessionsRevoked: revoked });
    return { revoked };
  }

  /** Any signed-in user: needs the current password; revokes every session, this one included. */
  async changeOwn(req: ChangePasswordRequest, who: Who): Promise<SignOutResponse> {
    const username = who.principal.username;
    const account = await this.existing(username);
    if (account.builtin)
      throw new AdminApiError(409, 'conflict', 'The built-in admin’s password is ADMIN_PASSWORD; change it there.');
    if (account.external) throw new AdminApiError(409, 'conflict', 'This account signs in through single sign-on.');
    if (!(await this.auth.checkPassword(account, req.currentPassword)))
      throw AdminApiError.validation([{ field: 'currentPassword', messages: ['is not the current password'] }]);
    const problems = passwordProblems(req.newPassword, username, 'newPassword');
    if (problems.length) throw AdminApiError.validation(problems);
    await this.repo.update(username, { passwordHash: await hashPassword(req.newPassword, this.auth.scrypt) });
    const revoked = await this.sessions.revokeAccount(username, 'password_changed');
    await this.record(who, 'account.password', username, undefined, { own: true, sessionsRevoked: revoked });
    return { revoked };
  }

  private async existing(username: string): Promise<AccountRecord> {
    const a = await this.repo.get(username);
    if (!a) throw AdminApiError.notFound(`No account ${username}.`);
    return a;
  }

  private record(
    who: Who,
    action: 'account.create' | 'account.update' | 'account.delete' | 'account.password',
    username: string,
    before: unknown,
    after: unknown,
  ): Promise<void> {
    return this.audit.record({
      actor: who.principal.actor,
      action,
      targetType: 'account',
      targetId: username,
      before,
      after,
      ip: who.ip,
    });
  }
}

function summary(a: AccountRecord): Record<string, unknown> {
  return { role: a.role, disabled: a.disabled, displayName: a.displayName };
}
