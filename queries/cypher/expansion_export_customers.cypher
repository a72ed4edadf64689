// Expansion projection: every bank-customer link, with the products held under it (ranking's
// product_fit and not_customer parts).
// @column id integer  enterprise's internal node id
// @column products list  products held under this link
MATCH (e:Enterprise)-[c:CUSTOMER_OF]->(:Branch)
RETURN id(e) AS id, c.products AS products
