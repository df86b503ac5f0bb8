/**
 * E.164 for providers that need it (SNS). Stored numbers may be local ("01711000001"), carry the
 * international prefix ("008801711000001") or just lack the plus ("8801711000001"); a local number
 * is completed with the configured country calling code. Undefined when it cannot be made E.164.
 */
export function toE164(phone: string, callingCode?: string): string | undefined {
  const compact = phone.replace(/[\s()-]/g, "");
  let digits: string | undefined;
  if (/^\+[1-9][0-9]{6,14}$/.test(compact)) return compact;
  if (/^00[1-9][0-9]{6,14}$/.test(compact)) digits = compact.slice(2);
  else if (callingCode && /^0[1-9][0-9]{4,13}$/.test(compact)) digits = `${callingCode}${compact.slice(1)}`;
  else if (callingCode && compact.startsWith(callingCode) && /^[1-9][0-9]{6,14}$/.test(compact))
    digits = compact;
  return digits && /^[1-9][0-9]{6,14}$/.test(digits) ? `+${digits}` : undefined;
}
