/** Email addresses are compared and stored in one form, written once here. */
export const normaliseEmail = (email: string): string => email.trim().toLowerCase();
