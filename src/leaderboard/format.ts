// Number and date formats shared by the pages.

export const fmtBpb = (v: number | null, d = 4): string => (v === null ? "" : v.toFixed(d));
export const fmtBytes = (v: number | null): string => (v === null ? "" : v.toLocaleString("en-US"));
export const fmtDate = (d: string | null): string => (d ? d.slice(0, 10) : "");
