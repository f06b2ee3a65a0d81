package main

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"fmt"
	"os"
	"time"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nkeys"
)

func must(err error) {
	if err != nil {
		panic(err)
	}
}

func main() {
	dir := os.Args[1]
	okp, _ := nkeys.CreateOperator()
	opub, _ := okp.PublicKey()
	oc := jwt.NewOperatorClaims(opub)
	oc.Name = "O"
	ojwt, err := oc.Encode(okp)
	must(err)
	mkacc := func(name string, f func(*jwt.AccountClaims)) (nkeys.KeyPair, string, string) {
		akp, _ := nkeys.CreateAccount()
		apub, _ := akp.PublicKey()
		ac := jwt.NewAccountClaims(apub)
		ac.Name = name
		if f != nil {
			f(ac)
		}
		s, err := ac.Encode(okp)
		must(err)
		return akp, apub, s
	}
	skp0, spub, sjwt := mkacc("SYS", nil)
	ukpRev, _ := nkeys.CreateUser()
	ukpRevPub, _ := ukpRev.PublicKey()
	akp, apub, ajwt := mkacc("A", func(ac *jwt.AccountClaims) {
		ac.Revoke(ukpRevPub)
	})
	mkuser := func(name string, f func(*jwt.UserClaims)) string {
		ukp, _ := nkeys.CreateUser()
		upub, _ := ukp.PublicKey()
		uc := jwt.NewUserClaims(upub)
		uc.Name = name
		if f != nil {
			f(uc)
		}
		s, err := uc.Encode(akp)
		must(err)
		seed, _ := ukp.Seed()
		creds, _ := jwt.FormatUserConfig(s, seed)
		os.WriteFile(dir+"/"+name+".creds", creds, 0o600)
		return s
	}
	mkuser("ok", nil)
	mkuser("expired", func(uc *jwt.UserClaims) { uc.Expires = time.Now().Add(-time.Hour).Unix() })
	mkuser("exp3", func(uc *jwt.UserClaims) { uc.Expires = time.Now().Add(3 * time.Second).Unix() })
	mkuser("notyet", func(uc *jwt.UserClaims) { uc.NotBefore = time.Now().Add(time.Hour).Unix() })
	{
		uc := jwt.NewUserClaims(ukpRevPub)
		uc.IssuedAt = time.Now().Add(-time.Hour).Unix()
		s, _ := uc.Encode(akp)
		seed, _ := ukpRev.Seed()
		creds, _ := jwt.FormatUserConfig(s, seed)
		os.WriteFile(dir+"/revoked.creds", creds, 0o600)
	}
	// revoke-later: account update JWT
	ukp2, _ := nkeys.CreateUser()
	u2pub, _ := ukp2.PublicKey()
	uc := jwt.NewUserClaims(u2pub)
	uc.IssuedAt = time.Now().Add(-time.Minute).Unix()
	s, _ := uc.Encode(akp)
	seed, _ := ukp2.Seed()
	creds, _ := jwt.FormatUserConfig(s, seed)
	os.WriteFile(dir+"/later.creds", creds, 0o600)
	ac := jwt.NewAccountClaims(apub)
	ac.Name = "A"
	ac.Revoke(ukpRevPub)
	ac.Revoke(u2pub)
	upd, _ := ac.Encode(okp)
	os.WriteFile(dir+"/A.update.jwt", []byte(upd), 0o600)
	os.WriteFile(dir+"/A.jwt", []byte(ajwt), 0o600)
	{
		parts := strings.Split(ajwt, ".")
		payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
		var m map[string]any
		json.Unmarshal(payload, &m)
		m["iat"] = time.Now().Unix() - 1000
		p, _ := json.Marshal(m)
		signing := parts[0] + "." + base64.RawURLEncoding.EncodeToString(p)
		sig, _ := okp.Sign([]byte(signing))
		os.WriteFile(dir+"/A.old.jwt", []byte(signing+"."+base64.RawURLEncoding.EncodeToString(sig)), 0o600)
	}
	os.WriteFile(dir+"/op.jwt", []byte(ojwt), 0o600)
	{
		ukp, _ := nkeys.CreateUser()
		upub, _ := ukp.PublicKey()
		uc := jwt.NewUserClaims(upub)
		s, _ := uc.Encode(skp0)
		seed, _ := ukp.Seed()
		creds, _ := jwt.FormatUserConfig(s, seed)
		os.WriteFile(dir+"/sys.creds", creds, 0o600)
	}
	conf := fmt.Sprintf("operator: %q\nsystem_account: %s\nresolver: MEMORY\nresolver_preload: {\n %s: %q\n %s: %q\n}\n", dir+"/op.jwt", spub, spub, sjwt, apub, ajwt)
	os.WriteFile(dir+"/mem.conf", []byte(conf), 0o600)
	conf2 := fmt.Sprintf("operator: %q\nsystem_account: %s\nresolver: {type: full, dir: %q, allow_delete: true}\nresolver_preload: {\n %s: %q\n %s: %q\n}\n", dir+"/op.jwt", spub, dir+"/jwts", spub, sjwt, apub, ajwt)
	os.WriteFile(dir+"/full.conf", []byte(conf2), 0o600)
	{
		gc := jwt.NewGenericClaims(opub)
		gc.Data["accounts"] = []string{apub}
		d, err := gc.Encode(okp)
		must(err)
		os.WriteFile(dir+"/del.jwt", []byte(d), 0o600)
		okp2, _ := nkeys.CreateOperator()
		d2, _ := gc.Encode(okp2)
		os.WriteFile(dir+"/del_bad.jwt", []byte(d2), 0o600)
		akp2, _ := nkeys.CreateAccount()
		apub2, _ := akp2.PublicKey()
		ac2 := jwt.NewAccountClaims(apub2)
		x, _ := ac2.Encode(okp2)
		os.WriteFile(dir+"/foreign.jwt", []byte(x), 0o600)
	}
	fmt.Println("A", apub, "SYS", spub)
}
