import type { ContactIdentity } from './identity';

/**
 * Patient data posted where others can read it (a channel or thread) is masked: email
 * j***@e***.com, phone to its last 2 digits, names to initials. Pure functions.
 */

export function maskEmail(email: string): string {
  const [local = '', domain = ''] = email.trim().split('@');
  const labels = domain.split('.');
  const tld = labels.length > 1 ? labels.at(-1) : undefined;
  const host = labels[0] ?? '';
  return `${local.charAt(0)}***@${host.charAt(0)}***${tld ? `.${tld}` : ''}`;
}

export function maskPhone(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  return `***${digits.slice(-2)}`;
}

export function maskName(name: string): string {
  return name
    .split(/\s+/)
    .filter(Boolean)
    .map((word) => `${word.charAt(0).toUpperCase()}.`)
    .join(' ');
}

export function maskIdentity(identity: ContactIdentity): string {
  switch (identity.kind) {
    case 'email':
      return maskEmail(identity.email);
    case 'phone':
      return maskPhone(identity.typed);
    case 'name':
      return maskName(identity.name);
  }
}

const EMAILS = /[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;
/** Phone-like runs of 10+ digits with separators; 15-digit business numbers are left alone. */
const PHONES = /(?<![\w@.])\+?\(?\d[\d\s().-]{8,22}\d(?![\w@])/g;

/** Emails and phone numbers inside free text (an error message from the log store), masked. */
export function maskText(text: string): string {
  return text.replace(EMAILS, maskEmail).replace(PHONES, (run) => {
    const digits = run.replace(/\D/g, '');
    if (/^\d{15}$/.test(run.trim()) || digits.length < 10 || /^\d{4}-\d{2}-\d{2}/.test(run)) return run;
    return maskPhone(run);
  });
}
