// Expansion projection: every bank-customer link, with the products held under it (ranking's
// product_fit and not_customer parts).
// @column uscc string  enterprise uscc
// @column products list  products held under this link
MATCH (e:Enterprise)-[c:CUSTOMER_OF]->(:Branch)
RETURN e.uscc AS uscc, c.products AS products
