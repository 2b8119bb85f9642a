// `.env.example` imported `with { type: "text" }`: Bun gives its text (embedded by `bun build --compile`).
declare module "*.env.example" {
  const text: string;
  export default text;
}
